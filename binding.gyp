{
  "targets": [
    {
      "target_name": "tsrun",
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "conditions": [
        ["OS=='linux'", {
          "dependencies": ["tsrun-init"],
          "configurations": {
            "Release": { "defines": ["TSRUN_INIT_PATH=<(module_root_dir)/build/Release/tsrun-init"] },
            "Debug": { "defines": ["TSRUN_INIT_PATH=<(module_root_dir)/build/Debug/tsrun-init"] }
          },
          "sources": ["<!@(node -p \"require('fs').readdirSync('native/linux').filter(f => f.endsWith('.cc')).map(f => 'native/linux/' + f).join(' ')\")"],
          "libraries": ["<!@(node -p \"(() => { try { const f = require('child_process').execFileSync(process.env.CC || 'cc', ['-print-file-name=libseccomp.a'], { encoding: 'utf8' }).trim(); return f.startsWith('/') && require('fs').existsSync(f) ? f : '-lseccomp' } catch { return '-lseccomp' } })()\")"],
          "ldflags": ["-Wl,--exclude-libs,libseccomp.a"]
        }],
        ["OS=='win'", {
          "sources": ["<!@(node -p \"require('fs').readdirSync('native/windows').filter(f => f.endsWith('.cc')).map(f => 'native/windows/' + f).join(' ')\")"]
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
          "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Os", "-ffunction-sections", "-fdata-sections"],
          "sources": [
            "native/linux/plan.cc",
            "<!@(node -p \"require('fs').readdirSync('native/linux/init').filter(f => f.endsWith('.cc')).map(f => 'native/linux/init/' + f).join(' ')\")"
          ],
          "ldflags": ["-static", "-s", "-Wl,--gc-sections"]
        }
      ]
    }]
  ]
}
