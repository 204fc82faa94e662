/**
 * What a password must be (NIST SP 800-63B §3.1.1.2): long enough, and not
 * one that attackers try first — common and breached passwords, repeats and
 * sequences, keyboard walks, the account's own e-mail or name. No composition
 * rules: they make passwords harder to remember, not to guess. The guessing
 * is estimated by zxcvbn-ts with its common-password dictionaries; a password
 * it rates below "safely unguessable" (score 3, about 10⁸ guesses) is refused.
 * The API and the account CLI both ask here.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 200;
const MIN_SCORE = 3;

let factory: ZxcvbnFactory | undefined;

/** Why `password` is refused, or null; `about` are words the account gives away (e-mail, name). */
export function passwordProblem(password: string, about: readonly (string | null | undefined)[] = []): string | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) return `must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`;
  // Loaded on first use: the dictionaries take a few megabytes that most processes never need.
  factory ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
  const words = about.flatMap((w) => (w ? [w, ...w.toLowerCase().split(/[^\p{L}\p{N}]+/u)] : [])).filter((w) => w.length >= 3);
  const { score } = factory.check(password.slice(0, 100), ['sinergi', 'kp2mi', ...words]);
  if (score >= MIN_SCORE) return null;
  return 'is too easy to guess (a common password, a repeat or sequence, or words of the account itself): use a longer phrase of unrelated words';
}
