import { useEffect, useLayoutEffect, useState } from 'preact/hooks';
import { api, type Client } from '../api/client';
import { capitalize, formatPhone } from '@kit/format';
import { useLoad } from '../hooks';
import { useLocation } from 'preact-iso';
import { clientPath } from '../routes';
import { AccountHistory } from './AccountHistory';
import { ClientLog } from './ClientLog';
import { ClientTexts } from './ClientTexts';
import { CreditActions } from './CreditActions';
import { ErrorMessage } from './ErrorMessage';
import { LanguageSelect } from './LanguageSelect';
import { LinksList } from './LinksList';
import { Money } from './Money';
import { NextAppointments } from './NextAppointments';
import { SendLinkPanel } from './SendLinkPanel';
import { Tabs } from './Tabs';
import { call } from '@kit/api';

export type TabId = 'link' | 'history' | 'log';

const TABS: { id: TabId; label: string }[] = [
  { id: 'link', label: 'Secure Payment Link' },
  { id: 'history', label: 'Account History' },
  { id: 'log', label: 'Client Log' },
];

export function ClientPage({ clientId, tab }: { clientId: string; tab: TabId }) {
  const client = useLoad(
    () => call(api.GET('/clients/{client_id}', { params: { path: { client_id: clientId } } })),
    [clientId],
  );
  const { route } = useLocation();
  // Bumped after anything that changes the client's records, so lists and the log reload.
  const [version, setVersion] = useState(0);
  const changed = () => {
    setVersion((v) => v + 1);
    void client.reload();
  };

  const name = client.data ? `${client.data.first_name} ${client.data.last_name}` : null;
  // Each page and tab has its own title (WCAG 2.4.2).
  useEffect(() => {
    if (name) document.title = `${name} – ${TABS.find((t) => t.id === tab)?.label ?? ''} – PLUS Web`;
  }, [name, tab]);
  // Opening a client moves focus to their name, so a screen reader announces whose page this is.
  useLayoutEffect(() => {
    if (name) document.getElementById('client-name')?.focus();
  }, [name !== null, clientId]);

  if (client.loading && !client.data) return <p class="muted" role="status">Loading client…</p>;
  if (!client.data) return <ErrorMessage error={client.error} />;
  const c = client.data;

  return (
    <>
      <ClientHeader client={c} onChange={changed} />
      <ClientTexts client={c} version={version} />
      <NextAppointments client={c} onChange={changed} />
      <Tabs label="Client" tabs={TABS} active={tab}
        onSelect={(id) => route(clientPath(clientId, id), true)}>
        {tab === 'link' && (
          <>
            <SendLinkPanel client={c} onSent={changed} />
            <LinksList client={c} version={version} onChange={changed} />
          </>
        )}
        {tab === 'history' && <AccountHistory client={c} version={version} onChange={changed} />}
        {tab === 'log' && <ClientLog clientId={c.id} timeZone={c.location.time_zone} version={version} />}
      </Tabs>
    </>
  );
}

function ClientHeader({ client, onChange }: { client: Client; onChange: () => void }) {
  const card = client.cards.find((k) => k.id === client.autopay_card_id);
  return (
    <section class="card client-header" aria-labelledby="client-name">
      <div>
        <h1 id="client-name" tabIndex={-1}>{client.first_name} {client.last_name}</h1>
        <p class="muted">{formatPhone(client.phone)} · {client.email}</p>
      </div>
      <dl class="facts">
        <div>
          <dt>Location</dt>
          <dd>
            {client.location.name}{' '}
            {client.location.accepts_payments
              ? <span class="badge ok">Accepts payments</span>
              : <span class="badge bad">Does not accept payments</span>}
          </dd>
        </div>
        <div>
          <dt>Past due balance</dt>
          <dd class={client.past_due_cents > 0 ? 'amount owed' : 'amount'}><Money cents={client.past_due_cents} /></dd>
        </div>
        {client.credit_cents > 0 && (
          <div>
            <dt>Credit</dt>
            <dd class="amount credit"><Money cents={client.credit_cents} /></dd>
          </div>
        )}
        <div>
          <dt>Auto Pay</dt>
          <dd>{client.autopay_enabled ? `On${card ? ` (${capitalize(card.brand)} •••• ${card.last4})` : ''}` : 'Off'}</dd>
        </div>
        <div>
          <dt><label for="client-language">Language</label></dt>
          <dd>
            <LanguageSelect client={client} onChange={onChange} />
          </dd>
        </div>
      </dl>
      <CreditActions client={client} onChange={onChange} />
    </section>
  );
}
