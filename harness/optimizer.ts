/**
 * One optimisation step shared by SFT and RL: gradients of a scalar loss, global-norm clipping,
 * Adam, and a stop with a clear error on a NaN or Inf loss or gradient.
 * @module
 */
import { tf } from "./backend.ts";
import type { Policy } from "./model.ts";

/** Adam whose learning rate can change between steps (for schedules). */
class ScheduledAdam extends tf.AdamOptimizer {
  /** Set the learning rate used by the next step. */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }
}

/** Thrown when a loss or gradient is not finite; nothing was applied. */
export class NonFiniteError extends Error {
  /** A non-finite `what` at optimisation step `step`. */
  constructor(readonly step: number, what: string) {
    super(
      `${what} is not finite at step ${step}; the update was not applied. Lower the learning rate or check the data`,
    );
    this.name = "NonFiniteError";
  }
}

/** Figures of one step. */
export interface StepResult {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

/** Adam with global-norm gradient clipping over a policy's variables. */
export class Trainer {
  readonly #opt: ScheduledAdam;
  #step = 0;

  /** Train `policy` with Adam(β1, β2) and clipping at `clip` (0: none). */
  constructor(readonly policy: Policy, readonly clip = 1, beta1 = 0.9, beta2 = 0.95) {
    this.#opt = new ScheduledAdam(1e-3, beta1, beta2, 1e-8);
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.#step;
  }

  /** Minimise `loss()` by one step at learning rate `lr`. */
  step(loss: () => tf.Scalar, lr: number): StepResult {
    this.#opt.setLearningRate(lr);
    const vars = this.policy.variables;
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      const sq = tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))));
      const [lossV, sqV] = [value.dataSync()[0], sq.dataSync()[0]];
      const gradNorm = Math.sqrt(sqV);
      if (!Number.isFinite(lossV)) throw new NonFiniteError(this.#step, `loss (${lossV})`);
      if (!Number.isFinite(gradNorm)) throw new NonFiniteError(this.#step, `gradient norm (${gradNorm})`);
      const scale = this.clip > 0 && gradNorm > this.clip ? this.clip / gradNorm : 1;
      const applied = scale === 1
        ? grads
        : Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.mul(scale)]));
      this.#opt.applyGradients(applied as Parameters<ScheduledAdam["applyGradients"]>[0]);
      this.#step++;
      return { loss: lossV, gradNorm };
    });
  }

  /** Free the optimiser state. */
  dispose(): void {
    this.#opt.dispose();
  }
}
