import type { Parameter } from "../nn/parameter.js";
import { Adagrad } from "../optim/adagrad.js";
import { Adam, AdamW } from "../optim/adam.js";
import { Optimizer } from "../optim/optimizer.js";
import { RMSprop } from "../optim/rmsprop.js";
import { SGD } from "../optim/sgd.js";

export type OptimizerName = "adam" | "adamw" | "sgd" | "rmsprop" | "adagrad";

/**
 * An optimizer for fit: an instance, a name (PyTorch's defaults; SGD, which PyTorch gives
 * no default lr, gets Keras's 0.01), or a name with settings: `{ name: "sgd", lr: 0.1, momentum: 0.9 }`.
 */
export type OptimizerSpec = Optimizer | OptimizerName | ({ name: OptimizerName } & Record<string, unknown>);

const MAKERS: Record<OptimizerName, (params: Parameter[], settings: Record<string, unknown>) => Optimizer> = {
  adam: (p, s) => new Adam(p, s),
  adamw: (p, s) => new AdamW(p, s),
  sgd: (p, s) => new SGD(p, { lr: 0.01, ...s }),
  rmsprop: (p, s) => new RMSprop(p, s),
  adagrad: (p, s) => new Adagrad(p, s),
};

/** The optimizer of `spec` over `params`; the optimizers check the settings (an unknown key is an error). */
export function resolveOptimizer(spec: OptimizerSpec, params: Parameter[]): Optimizer {
  if (spec instanceof Optimizer) return spec;
  const { name, ...settings } = typeof spec === "string" ? { name: spec } : spec;
  if (typeof name !== "string" || !Object.hasOwn(MAKERS, name)) {
    throw new TypeError(`fit: unknown optimizer ${JSON.stringify(name)} (known: ${Object.keys(MAKERS).join(", ")}, or pass an Optimizer)`);
  }
  if (params.length === 0) throw new RangeError("fit: the model has no parameters to train");
  return MAKERS[name as OptimizerName](params, settings);
}
