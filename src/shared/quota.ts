/** A client app's quota, and where it stands in its window (server/app-quotas.ts counts; the answer's headers say). */
export interface AppQuota {
  requests: number;
  cost: number;
}

/** Where an app stands in its current window. */
export interface QuotaState {
  quota: AppQuota;
  windowSeconds: number;
  requestsLeft: number;
  costLeft: number;
  /** Seconds until the window starts again. */
  resetSeconds: number;
}
