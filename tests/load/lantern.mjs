// Replays Lighthouse's simulation (lantern) of FCP and LCP for a run kept with LIGHTHOUSE_REPORT_DIR and
// prints what each estimate waited for: every request and main-thread task in its graph, with its
// simulated start and end (slow 4G: 150 ms RTT, 1.6 Mbps; 4x CPU). Lantern builds that graph from the
// unthrottled load it observed: a request that finished before the paint there counts, needed or not.
//
// usage: node lantern.mjs <LIGHTHOUSE_REPORT_DIR>/<page-name>
import { loadArtifacts } from 'lighthouse/core/lib/asset-saver.js';
import { LanternFirstContentfulPaint } from 'lighthouse/core/computed/metrics/lantern-first-contentful-paint.js';
import { LanternLargestContentfulPaint } from 'lighthouse/core/computed/metrics/lantern-largest-contentful-paint.js';

const artifacts = await loadArtifacts(process.argv[2]);
const { settings } = artifacts;
const context = { settings, computedCache: new Map() };
const data = {
  trace: artifacts.traces.defaultPass,
  devtoolsLog: artifacts.devtoolsLogs.defaultPass,
  gatherContext: artifacts.GatherContext,
  settings,
  URL: artifacts.URL,
};

const describe = (node) =>
  node.type === 'network'
    ? `${node.request.url.replace(/^https?:\/\/[^/]+/, '').slice(0, 60)} (${node.request.transferSize} B, ${node.request.priority})`
    : `main thread: ${node.childEvents.slice(0, 3).map((e) => e.name).join(', ')}`;

for (const [name, metric] of [
  ['FCP', LanternFirstContentfulPaint],
  ['LCP', LanternLargestContentfulPaint],
]) {
  const result = await metric.request(data, context);
  const { optimisticEstimate: optimistic, pessimisticEstimate: pessimistic } = result;
  console.log(
    `${name} ${Math.round(result.timing)} ms (optimistic ${Math.round(optimistic.timeInMs)}, pessimistic ${Math.round(pessimistic.timeInMs)}); pessimistic graph:`,
  );
  const rows = [...pessimistic.nodeTimings.entries()].sort((a, b) => a[1].startTime - b[1].startTime);
  for (const [node, timing] of rows) {
    console.log(`  ${String(Math.round(timing.startTime)).padStart(5)} → ${String(Math.round(timing.endTime)).padStart(5)}  ${describe(node)}`);
  }
}
