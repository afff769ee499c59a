/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Where the API lives, without `/api/v1`; '' (same origin) by default. */
  readonly VITE_API_BASE_URL?: string;
}
