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
          "sources": ["<!@(node -p \"require('fs').readdirSync('native/linux').filter(f => f.endsWith('.cc')).map(f => 'native/linux/' + f).join(' ')\")"]
        }],
        ["OS=='win'", {
          "sources": ["<!@(node -p \"require('fs').readdirSync('native/windows').filter(f => f.endsWith('.cc')).map(f => 'native/windows/' + f).join(' ')\")"]
        }]
      ]
    }
  ]
}
