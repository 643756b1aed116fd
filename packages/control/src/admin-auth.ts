import { createHash, timingSafeEqual } from 'node:crypto';

/** Result of checking an Authorization header against the admin token. */
export type AdminCheck = { ok: true } | { ok: false; status: 401 | 403; code: 'E_ADMIN_UNAUTHORIZED' | 'E_ADMIN_DISABLED'; message: string };

/**
 * Checks `Authorization: Bearer <token>` against the configured admin token
 * in constant time. Without a configured token every admin call is refused
 * (403): writes must never be open by accident.
 */
export function checkAdmin(header: string | undefined, token: string | undefined): AdminCheck {
  if (!token) return { ok: false, status: 403, code: 'E_ADMIN_DISABLED', message: 'admin endpoints are disabled: start the controller with EDGESTEER_ADMIN_TOKEN set' };
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  // Compare digests: equal length always, so timing reveals nothing about the token.
  const digest = (s: string) => createHash('sha256').update(s).digest();
  if (!m?.[1] || !timingSafeEqual(digest(m[1].trim()), digest(token))) {
    return { ok: false, status: 401, code: 'E_ADMIN_UNAUTHORIZED', message: 'missing or wrong bearer token (Authorization: Bearer $EDGESTEER_ADMIN_TOKEN)' };
  }
  return { ok: true };
}
