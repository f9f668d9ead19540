"""What a run is, independent of who asked for it (the language server or `unsandbox-ls run`)."""
