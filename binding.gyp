# The native backend (see docs/NATIVE.md). The kernels are compiled once per instruction
# set level, each copy with its own -m flags into its own namespace, and the addon picks
# one at load time from the CPU's flags; only the scalar copy is built off x86-64.
{
  "variables": {
    "isa_sources": [
      "native/gemm.cc", "native/gemm_small.cc", "native/conv.cc", "native/unary.cc", "native/binary.cc", "native/reduce.cc",
      "native/softmax.cc", "native/layernorm.cc", "native/pool.cc", "native/indexing.cc",
      "native/optim.cc", "native/peak.cc", "native/attention.cc", "native/table.cc"
    ],
    "isa_cflags": ["-O3", "-fPIC", "-fno-math-errno", "-fvisibility=hidden"]
  },
  "target_defaults": {
    "cflags_cc": ["-O3", "-fno-math-errno"],
    "conditions": [["target_arch=='x64'", {"defines": ["LATHE_X86"]}]]
  },
  "targets": [
    {
      "target_name": "lathe",
      "sources": [
        "native/addon.cc", "native/args.cc", "native/bind_linalg.cc", "native/bind_elementwise.cc",
        "native/bind_nn.cc", "native/bind_attention.cc", "native/cpu.cc", "native/memory.cc", "native/threadpool.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "dependencies": ["lathe_scalar"],
      "conditions": [["target_arch=='x64'", {"dependencies": ["lathe_avx2", "lathe_avx512"]}]]
    },
    {
      "target_name": "lathe_scalar",
      "type": "static_library",
      "sources": ["<@(isa_sources)"],
      "defines": ["LATHE_ISA=scalar"],
      "cflags_cc": ["<@(isa_cflags)"]
    }
  ],
  "conditions": [["target_arch=='x64'", {"targets": [
    {
      "target_name": "lathe_avx2",
      "type": "static_library",
      "sources": ["<@(isa_sources)"],
      "defines": ["LATHE_ISA=avx2"],
      "cflags_cc": ["<@(isa_cflags)", "-mavx2", "-mfma"]
    },
    {
      "target_name": "lathe_avx512",
      "type": "static_library",
      "sources": ["<@(isa_sources)"],
      "defines": ["LATHE_ISA=avx512"],
      "cflags_cc": ["<@(isa_cflags)", "-mavx512f", "-mavx512bw", "-mavx512dq", "-mavx512vl", "-mavx2", "-mfma",
                    "-mprefer-vector-width=512"]
    }
  ]}]]
}
