/**
 * The password policy for local accounts (NIST SP 800-63B §3.1.1.2, as the OWASP Authentication
 * Cheat Sheet summarises it): at least 12 characters, at most 128 (argon2id takes any length, but
 * every input is bounded), no composition rules, every Unicode character allowed, and not the
 * account's own email or name. Lengths count code points of the NFC form, as 63B says.
 */
export const PASSWORD_POLICY = Object.freeze({ minLength: 12, maxLength: 128 });

/**
 * Why `password` breaks the policy, as a sentence naming the rule (never the password); undefined
 * when it is acceptable.
 */
export function passwordPolicyViolation(password: string, person: { email: string; name: string }): string | undefined {
  const normal = password.normalize('NFC');
  const length = [...normal].length;
  if (length < PASSWORD_POLICY.minLength) return `password must be at least ${PASSWORD_POLICY.minLength} characters`;
  if (length > PASSWORD_POLICY.maxLength) return `password must be at most ${PASSWORD_POLICY.maxLength} characters`;
  const folded = normal.trim().toLowerCase();
  const email = person.email.toLowerCase();
  const localPart = email.split('@')[0] ?? '';
  if (folded === email || folded === localPart || folded === person.name.normalize('NFC').trim().toLowerCase()) {
    return 'password must not be the account\u2019s email or name';
  }
  return undefined;
}
