export { Node, type BackwardFn, record, needsGrad } from "./node.js";
export { backward, type BackwardOptions } from "./engine.js";
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from "./grad_mode.js";
export { gradcheck, assertGradcheck, type GradcheckOptions, type GradcheckFailure } from "./gradcheck.js";
