{
  "targets": [
    {
      "target_name": "memprof",
      "sources": ["native/addon.cc", "native/sampler.cc", "native/memory_vector.cc", "native/dat_writer.cc", "native/children.cc", "native/measurements.cc", "native/stop_signals.cc", "native/heap_trim.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_ADDON_API_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17"],
      "conditions": [
        ["OS=='linux'", {
          "sources": ["native/rss_linux.cc", "native/children_posix.cc", "native/signals_posix.cc", "native/interrupt_posix.cc", "native/baseline_linux.cc", "native/heap_trim_linux.cc"],
          "include_dirs": ["native"],
          "cflags_cc": ["-include", "baseline_linux.h"]
        }],
        ["OS=='mac'", { "sources": ["native/rss_darwin.cc", "native/children_posix.cc", "native/signals_posix.cc", "native/interrupt_posix.cc", "native/heap_trim_darwin.cc"] }],
        ["OS=='win'", {
          "sources": ["native/rss_win.cc", "native/children_win.cc", "native/signals_win.cc", "native/interrupt_win.cc", "native/heap_trim_win.cc"],
          "libraries": ["-lpsapi"],
          "defines": ["_HAS_EXCEPTIONS=1", "NOMINMAX", "WIN32_LEAN_AND_MEAN"]
        }]
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LIBRARY": "libc++",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "MACOSX_DEPLOYMENT_TARGET": "10.15"
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++17"] } }
    }
  ]
}
