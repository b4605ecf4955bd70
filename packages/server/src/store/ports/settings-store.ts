/**
 * Server-wide settings shared by every node (e.g. the SHA-256 of the generated bootstrap token).
 * Values are short non-secret strings.
 */
export interface SettingsStore {
  getSetting(name: string): Promise<string | undefined>;
  /** One atomic conditional insert; returns false when the setting already had a value. */
  insertSettingIfAbsent(name: string, value: string): Promise<boolean>;
  /** Sets the value, replacing any earlier one (an operator's explicit change). */
  putSetting(name: string, value: string): Promise<void>;
}
