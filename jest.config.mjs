// Four projects, one runner: unit (no servers), integration (real database + real server), faults (server
// processes killed, database and Redis stopped), e2e (real Chromium).
// ts-jest only transpiles (isolatedModules); `npm run typecheck` checks types once for the whole tree.
const transform = {
  '^.+\\.tsx?$': [
    'ts-jest',
    {
      // isolatedModules: transpile file by file, no type-checking here
      tsconfig: {
        module: 'commonjs',
        esModuleInterop: true,
        isolatedModules: true,
        verbatimModuleSyntax: false,
        jsx: 'react-jsx',
        jsxImportSource: 'preact',
      },
    },
  ],
};

const project = (name) => ({
  displayName: name,
  testMatch: [`<rootDir>/test/${name}/**/*.test.ts`],
  transform,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'tsx', 'js', 'mjs', 'cjs', 'json'],
  // the package name examples import the SDK by (tsconfig.json "paths")
  moduleNameMapper: { '^@parley/sdk$': '<rootDir>/sdk/index.ts' },
});

/** @type {import('jest').Config} */
export default {
  transform,
  // one embedded database for the whole run; each test file gets its own database name
  globalSetup: '<rootDir>/test/helpers/global-setup.ts',
  globalTeardown: '<rootDir>/test/helpers/global-teardown.ts',
  // generous: the suite must pass while another process holds a core (npm run test:stress); tests wait on conditions
  testTimeout: 60_000,
  // two workers on a 2-core machine: most suites wait on sockets, timers and child processes, not the CPU
  maxWorkers: 2,
  projects: [project('unit'), project('integration'), project('faults'), project('e2e')],
};
