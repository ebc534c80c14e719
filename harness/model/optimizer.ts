/**
 * One optimisation step shared by SFT and RL: gradients of a scalar loss, global-norm clipping,
 * Adam, and a stop with a clear error on a NaN or Inf loss or gradient.
 * @module
 */
import { tf } from "../backend/backend.ts";
import { fusedAdam, fusedKernelsActive } from "../backend/fused_kernels.ts";
import type { Policy } from "./model.ts";

/** The fields of tfjs's Adam that hold its state (declared private there). */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  iterations_: number;
}

/** Adam whose learning rate can change between steps (for schedules). */
class ScheduledAdam extends tf.AdamOptimizer {
  /** Set the learning rate used by the next step. */
  setLearningRate(lr: number): void {
    this.learningRate = lr;
  }

  /**
   * Adam's step on `grads` times `scale` (the clip): on tfjs's wasm backend one fused kernel a variable
   * (harness/backend/fused_kernels.ts) where tfjs runs 15, with the same float32 operations in the same
   * order, so the same values; elsewhere tfjs's own.
   */
  applyScaled(grads: tf.NamedTensorMap, scale: number): void {
    if (!fusedKernelsActive()) {
      const scaled = scale === 1 ? grads : Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.mul(scale)]));
      this.applyGradients(scaled as Parameters<tf.AdamOptimizer["applyGradients"]>[0]);
      return;
    }
    const adam = this as unknown as AdamInternals;
    tf.tidy(() => {
      const [c1, c2] = [adam.accBeta1, adam.accBeta2].map((acc) => tf.sub(1, acc).dataSync()[0]);
      const step = {
        scale,
        beta1: this.beta1,
        beta2: this.beta2,
        c1,
        c2,
        epsilon: this.epsilon,
        lr: this.learningRate,
      };
      Object.entries(grads).forEach(([name, g], i) => {
        const w = tf.engine().registeredVariables[name];
        const [m, v] = [adam.accumulatedFirstMoment, adam.accumulatedSecondMoment].map((moments, k) =>
          (moments[i] ??= {
            originalName: `${name}/${k ? "v" : "m"}`,
            variable: tf.tidy(() => tf.zerosLike(w).variable(false)),
          }).variable
        );
        const [m2, v2, w2] = fusedAdam(g, m, v, w, step);
        m.assign(m2);
        v.assign(v2);
        w.assign(w2);
      });
      adam.accBeta1.assign(tf.mul(adam.accBeta1, this.beta1));
      adam.accBeta2.assign(tf.mul(adam.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}

/**
 * Adam's whole state, exactly: β1^t and β2^t as accumulated (not recomputed, so a resumed run
 * multiplies the same float32 values), and the first and second moment of every variable in order.
 */
export interface OptimizerState {
  /** Optimisation steps taken. */
  steps: number;
  /** [β1^t, β2^t] as the optimiser holds them. */
  accBeta: Float32Array;
  /** First moments, then second moments, one array per variable in `policy.variables` order. */
  moments: Float32Array[];
}

/** Thrown when a loss or gradient is not finite; nothing was applied. */
export class NonFiniteError extends Error {
  /** A non-finite `what` at optimiser update `step` (0 first), with `advice` on what to do. */
  constructor(readonly step: number, what: string, advice = "Lower the learning rate or check the data") {
    super(`${what} is not finite at optimiser update ${step}; the update was not applied. ${advice}`);
    this.name = "NonFiniteError";
  }
}

/**
 * A {@link NonFiniteError} of the gradient where the loss is finite: a term whose value is finite but
 * whose gradient is not (a sqrt at 0), or a gradient that overflows.
 */
export class NonFiniteGradientError extends NonFiniteError {
  /** The gradient norm `norm`, not finite, at optimiser update `step`. */
  constructor(step: number, norm: number) {
    super(step, `gradient norm (${norm})`);
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
      if (!Number.isFinite(gradNorm)) throw new NonFiniteGradientError(this.#step, gradNorm);
      const scale = this.clip > 0 && gradNorm > this.clip ? this.clip / gradNorm : 1;
      this.#opt.applyScaled(grads, scale);
      this.#step++;
      return { loss: lossV, gradNorm };
    });
  }

  /** A copy of the optimiser's state (see {@link OptimizerState}); empty moments before the first step. */
  exportState(): OptimizerState {
    const adam = this.#opt as unknown as AdamInternals;
    const moments = [...(adam.accumulatedFirstMoment ?? []), ...(adam.accumulatedSecondMoment ?? [])];
    return {
      steps: this.#step,
      accBeta: Float32Array.of(adam.accBeta1.dataSync()[0], adam.accBeta2.dataSync()[0]),
      moments: moments.map((m) => Float32Array.from(m.variable.dataSync() as Float32Array)),
    };
  }

  /** Restore a state from {@link exportState} of a trainer of the same policy shape (before any step). */
  importState(state: OptimizerState): void {
    const adam = this.#opt as unknown as AdamInternals;
    const vars = this.policy.variables;
    if (state.moments.length !== 0 && state.moments.length !== 2 * vars.length) {
      throw new RangeError(`optimizer state has ${state.moments.length} moments, the policy needs ${2 * vars.length}`);
    }
    const moment = (i: number, kind: string) => {
      const v = vars[i % vars.length];
      if (state.moments[i].length !== v.size) throw new RangeError(`optimizer moment ${i} does not fit ${v.name}`);
      return { originalName: `${v.name}/${kind}`, variable: tf.tensor(state.moments[i], v.shape).variable(false) };
    };
    tf.tidy(() => { // frees the source tensors; variables outlive a tidy scope
      adam.accBeta1.assign(tf.scalar(state.accBeta[0]));
      adam.accBeta2.assign(tf.scalar(state.accBeta[1]));
      if (state.moments.length) {
        adam.accumulatedFirstMoment = vars.map((_, i) => moment(i, "m"));
        adam.accumulatedSecondMoment = vars.map((_, i) => moment(vars.length + i, "v"));
      }
    });
    adam.iterations_ = state.steps;
    this.#step = state.steps;
  }

  /** Free the optimiser state. */
  dispose(): void {
    this.#opt.dispose();
  }
}
