/* global jest */
// Lab tests talk to real hosts: allow 2 minutes per test. (jest 29 ignores `testTimeout` inside a project's
// config, so the lab project sets it here; a test file may still call jest.setTimeout itself.)
jest.setTimeout(120_000);
