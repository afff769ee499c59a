import { useEffect, useState } from 'preact/hooks';
import { api, session, type Schemas } from './api/client';
import { call } from '@kit/api';

export type Permission = Schemas['Permission'];

/** The signed-in staff member's role and permissions, asked once per session (`staff_me`). */
let cached: { token: string | null; me: Promise<Schemas['StaffMe']> } | null = null;

const listeners = new Set<() => void>();

export function staffMe(): Promise<Schemas['StaffMe']> {
  const token = session.token();
  if (!cached || cached.token !== token) cached = { token, me: call(api.GET('/staff/me')) };
  return cached.me;
}

/**
 * Asks `staff_me` again (after a change it reports, like a webhook endpoint resumed) and tells every
 * `useStaffMe` on screen; until the answer comes they keep what they show.
 */
export function reloadStaffMe(): void {
  cached = null;
  void staffMe().then(() => listeners.forEach((listener) => listener()), () => undefined);
}

/** The signed-in staff member (`staff_me`), or null until known or when it cannot be read. */
export function useStaffMe(): Schemas['StaffMe'] | null {
  const [me, setMe] = useState<Schemas['StaffMe'] | null>(null);
  useEffect(() => {
    let current = true;
    const read = () => {
      staffMe().then((value) => current && setMe(value), () => undefined);
    };
    read();
    listeners.add(read);
    return () => {
      current = false;
      listeners.delete(read);
    };
  }, []);
  return me;
}

/**
 * Whether the staff member's role allows `permission` (README, Staff roles): false until known, so an
 * action the role does not allow is never offered. The API enforces the same matrix regardless.
 */
export function useCan(permission: Permission): boolean {
  const [can, setCan] = useState(false);
  useEffect(() => {
    let current = true;
    staffMe().then(
      (me) => current && setCan(me.permissions.includes(permission)),
      () => current && setCan(false),
    );
    return () => {
      current = false;
    };
  }, [permission]);
  return can;
}
