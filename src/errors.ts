/**
 * An error the user caused (a bad flag, a malformed file, an impossible
 * machine). The CLI prints its message alone and exits non-zero; any other
 * error is a bug in modstorm.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}
