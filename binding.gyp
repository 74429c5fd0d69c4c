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
          "sources": ["<!@(node -p \"require('fs').readdirSync('native/linux').filter(f => f.endsWith('.cc')).map(f => 'native/linux/' + f).join(' ')\")"],
          "libraries": ["<!@(node -p \"(() => { try { const f = require('child_process').execFileSync(process.env.CC || 'cc', ['-print-file-name=libseccomp.a'], { encoding: 'utf8' }).trim(); return f.startsWith('/') && require('fs').existsSync(f) ? f : '-lseccomp' } catch { return '-lseccomp' } })()\")"],
          "ldflags": ["-Wl,--exclude-libs,libseccomp.a"]
        }],
        ["OS=='win'", {
          "sources": ["<!@(node -p \"require('fs').readdirSync('native/windows').filter(f => f.endsWith('.cc')).map(f => 'native/windows/' + f).join(' ')\")"]
        }]
      ]
    }
  ]
}
