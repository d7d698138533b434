import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["build/**", "dist/**", "public/build/**", "node_modules/**", ".herald/**", "db/migrations/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_" }],
    },
  },
  {
    files: ["app/**"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ regex: "^(\\.\\./)+server/(?!http/app$|routers/root$)", message: "app/ reaches server/ through tRPC (context.trpc) only" }] }],
    },
  },
  {
    files: ["db/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ regex: "^\\.\\./(server|jobs|sync|app|cli)/", message: "db/ imports nothing of ours" }] }] },
  },
  {
    files: ["server/**"],
    rules: { "no-restricted-imports": ["error", { patterns: [{ regex: "^(\\.\\./)+(jobs|sync|app|cli)/", message: "server/ may import db/ only" }] }] },
  },
);
