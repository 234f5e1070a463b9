/** Lathe versions of the PyTorch models in tools/fixtures/gen_nn.py, layer for layer. */
import { Tensor, functional as F, nn } from "../../src/index.js";

/** DESIGN.md's LeNet: 3×32×32 input. */
export class LeNet extends nn.Module {
  conv1 = new nn.Conv2d(3, 6, 5);
  pool = new nn.MaxPool2d(2);
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: Tensor): Tensor {
    x = this.pool.forward(this.conv1.forward(x).relu());
    x = this.pool.forward(this.conv2.forward(x).relu());
    x = this.fc1.forward(x.flatten(1)).relu();
    return this.fc3.forward(this.fc2.forward(x).relu());
  }
}

/** The seed article's 30-128-64-1 classifier. */
export function mlp(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(30, 128), new nn.ReLU(), new nn.Linear(128, 64), new nn.ReLU(), new nn.Linear(64, 1));
}

/** Every layer with state, nested in every container. */
export class Zoo extends nn.Module {
  embed = new nn.Embedding(10, 4, { paddingIdx: 0 });
  features = new nn.Sequential({ conv: new nn.Conv2d(3, 4, 3, { bias: false }), bn: new nn.BatchNorm2d(4), act: new nn.ReLU() });
  blocks = new nn.ModuleList([new nn.Linear(4, 4), new nn.LayerNorm(4), new nn.Conv1d(4, 2, 3, { groups: 2 })]);
  heads = new nn.ModuleDict({ cls: new nn.Linear(4, 3), norm: new nn.GroupNorm(2, 4, { affine: false }) });
  bn1 = new nn.BatchNorm1d(5, { affine: false });
  bn_untracked = new nn.BatchNorm1d(5, { trackRunningStats: false });
  attn = new nn.MultiheadAttention(8, 2);
  ln_nobias = new nn.LayerNorm([2, 3], { elementwiseAffine: false });

  forward(x: Tensor): Tensor {
    return x;
  }
}

export class SmallCNN extends nn.Module {
  conv1 = new nn.Conv2d(3, 4, 3, { padding: 1 });
  bn1 = new nn.BatchNorm2d(4);
  pool = new nn.MaxPool2d(2);
  conv2 = new nn.Conv2d(4, 6, 3, { groups: 2, bias: false, padding: "same" });
  gn = new nn.GroupNorm(2, 6);
  avg = new nn.AdaptiveAvgPool2d([2, 2]);
  head = new nn.Sequential(
    new nn.Flatten(), new nn.Linear(24, 10), new nn.LayerNorm(10), new nn.GELU(), new nn.Dropout(0.5), new nn.Linear(10, 3));

  forward(x: Tensor): Tensor {
    x = this.pool.forward(this.bn1.forward(this.conv1.forward(x)).relu());
    x = this.avg.forward(F.silu(this.gn.forward(this.conv2.forward(x))));
    return this.head.forward(x);
  }
}

export class TinyMLP extends nn.Module {
  fc1 = new nn.Linear(5, 8);
  act = new nn.LeakyReLU(0.1);
  fc2 = new nn.Linear(8, 4, { bias: false });
  bn = new nn.BatchNorm1d(4);
  out = new nn.Sequential(new nn.Tanh(), new nn.Linear(4, 2), new nn.LogSoftmax(1));

  forward(x: Tensor): Tensor {
    return this.out.forward(this.bn.forward(this.fc2.forward(this.act.forward(this.fc1.forward(x)))));
  }
}
