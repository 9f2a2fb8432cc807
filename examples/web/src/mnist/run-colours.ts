import { momentumColour } from 'heavyball';

/** A run's colour: its momentum's, the same as in every heavyball report (one fixed colour per μ). */
export function runColour(run: { config: { momentum: number } }): string {
  return momentumColour(run.config.momentum);
}
