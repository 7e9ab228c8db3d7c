// placeholder so the build has an entry point; the public API is assembled here as modules land.
export {};
