# node-gyp's build of the addon: the prebuilds (scripts/prebuild.mjs) and the
# install fallback (scripts/install.cjs). The same sources and flags
# (scripts/native-build.cjs, scripts/native-build.json) as CMakeLists.txt,
# which cmake-js builds in development.
{
  "targets": [
    {
      "target_name": "tsrun",
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["<!@(node scripts/native-build.cjs flags addon.cflags)"],
      "defines": ["<!@(node scripts/native-build.cjs flags addon.defines)"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "sources": ["<!@(node scripts/native-build.cjs sources addon)"],
      "conditions": [
        ["OS=='linux'", {
          "dependencies": ["tsrun-init"],
          "configurations": {
            "Release": { "defines": ["TSRUN_INIT_PATH=<(module_root_dir)/build/Release/tsrun-init"] },
            "Debug": { "defines": ["TSRUN_INIT_PATH=<(module_root_dir)/build/Debug/tsrun-init"] }
          },
          "libraries": ["<!@(node scripts/native-build.cjs seccomp)"],
          "ldflags": ["<!@(node scripts/native-build.cjs flags addon.ldflags)"]
        }]
      ]
    }
  ],
  "conditions": [
    ["OS=='linux'", {
      "targets": [
        {
          "target_name": "tsrun-init",
          "type": "executable",
          "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
          "cflags_cc": ["<!@(node scripts/native-build.cjs flags init.cflags)"],
          "sources": ["<!@(node scripts/native-build.cjs sources init)"],
          "ldflags": ["<!@(node scripts/native-build.cjs flags init.ldflags)"]
        }
      ]
    }]
  ]
}
