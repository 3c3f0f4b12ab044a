import type { JobSpec } from './jobs';

/**
 * A handful of jobs in every state, some still moving, for demos and offline flow
 * building. Their ids are fixed so the example flows can name them.
 */
export function demoJobs(now = Date.now()): JobSpec[] {
  const hoursAgo = (h: number) => new Date(now - h * 3600 * 1000).toISOString();
  return [
    {
      jobId: 'demo-sales-orders',
      subCategory: 'Sales Order Export',
      queuedMs: 4000,
      runMs: 12000,
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'SalesOrders.csv', format: 'csv', rows: 120 }],
    },
    {
      jobId: 'demo-inventory-snapshot',
      subCategory: 'Inventory Snapshot',
      queuedMs: 8000,
      runMs: 30000,
      responseType: 'In-line JSON',
      inline: [
        { style: 'ST10001', color: 'BLACK', onHand: 240 },
        { style: 'ST10002', color: 'NAVY', onHand: 75 },
      ],
    },
    {
      jobId: 'demo-forecast-failed',
      subCategory: 'Production Forecasting Report',
      outcome: 'Failed',
      jobStatusText: 'Production forecast report failed: the database did not answer in time.',
      // Not rerunnable, so the "rerun failed jobs" example leaves it to the wait example.
      canReRun: 'No',
      queuedMs: 2000,
      runMs: 5000,
      responseType: 'Publishlink',
      documents: [{ name: 'Forecasting.xlsx', format: 'xlsx', rows: 40 }],
    },
    {
      // The rerun job example's own failed job: not the wait example's, and failed before
      // the last day, so the "rerun every failed job of the last day" example leaves it alone.
      jobId: 'demo-export-failed',
      subCategory: 'Sales Order Export',
      createdDate: hoursAgo(30),
      outcome: 'Failed',
      rerunOutcome: 'Completed',
      jobStatusText: 'Sales order export failed: the export was cancelled.',
      canReRun: 'Yes',
      queuedMs: 1000,
      runMs: 2000,
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'SalesOrders-retry.csv', format: 'csv', rows: 50 }],
    },
    {
      jobId: 'demo-price-list',
      subCategory: 'Style Price List',
      responseType: 'In-line JSON',
      inline: { styles: 3, prices: [{ style: 'ST10001', price: 12.5 }, { style: 'ST10002', price: 18 }, { style: 'ST10003', price: 9.95 }] },
    },
    {
      jobId: 'demo-open-orders',
      subCategory: 'Open Orders Report',
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'OpenOrders.csv', format: 'csv', rows: 250 }],
    },
    {
      jobId: 'demo-warehouse-stock',
      subCategory: 'Warehouse Stock Report',
      responseType: 'Publishlink',
      scope: 'Private',
      documents: [{ name: 'WarehouseStock.xlsx', format: 'xlsx', rows: 60 }],
    },
    {
      jobId: 'demo-year-end-valuation',
      subCategory: 'Year End Inventory Valuation',
      // Runs for an hour, a percent at a time, so a new user can still wait on it later.
      queuedMs: 15000,
      runMs: 60 * 60 * 1000,
      responseType: 'Publishlink',
      scope: 'PeopleInOrganization',
      canReRun: 'No',
      documents: [{ name: 'Valuation.csv', format: 'csv', rows: 2000 }],
    },
    // Failed earlier today and last week, for the "rerun every failed job of the last day" example.
    {
      jobId: 'demo-nightly-stock-sync',
      subCategory: 'Nightly Stock Sync',
      createdDate: hoursAgo(5),
      outcome: 'Failed',
      jobStatusText: 'Nightly stock sync failed: the warehouse system was offline.',
      canReRun: 'Yes',
      queuedMs: 1000,
      runMs: 4000,
      responseType: 'In-line JSON',
      inline: { synced: 0 },
    },
    {
      jobId: 'demo-ar-aging-failed',
      subCategory: 'AR Aging Report',
      createdDate: hoursAgo(2),
      outcome: 'Failed',
      rerunOutcome: 'Completed',
      jobStatusText: 'AR aging report failed: a deadlock was detected.',
      canReRun: 'Yes',
      queuedMs: 1000,
      runMs: 6000,
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'ARAging.csv', format: 'csv', rows: 80 }],
    },
    {
      jobId: 'demo-last-week-export-failed',
      subCategory: 'Sales Order Export',
      createdDate: hoursAgo(24 * 6),
      outcome: 'Failed',
      rerunOutcome: 'Completed',
      jobStatusText: 'Sales order export failed: the export was cancelled.',
      canReRun: 'Yes',
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'SalesOrders-last-week.csv', format: 'csv', rows: 30 }],
    },
  ];
}

/** Ends in minutes or seconds, for the guide. */
function duration(ms: number): string {
  return ms >= 60000 ? `about ${Math.round(ms / 60000)} min` : `about ${Math.round(ms / 1000)} s`;
}

/**
 * What `npm start` and `aims360-simulator --demo` print: the demo job ids by how they
 * end, and one line on how to use them.
 */
export function demoGuide(jobs: JobSpec[] = demoJobs()): string[] {
  const runFor = (j: JobSpec) => (j.queuedMs ?? 0) + (j.runMs ?? 0);
  const list = (picked: JobSpec[], note: (j: JobSpec) => string) => picked.map((j) => `${j.jobId}${note(j)}`).join(', ');
  const failed = jobs.filter((j) => j.outcome === 'Failed');
  const running = jobs.filter((j) => j.outcome !== 'Failed' && runFor(j) > 0);
  const completed = jobs.filter((j) => j.outcome !== 'Failed' && runFor(j) === 0);
  return [
    'Demo jobs:',
    `  running:   ${list(running, (j) => ` (completes in ${duration(runFor(j))})`)}`,
    `  failed:    ${list(failed, (j) => (j.canReRun === 'Yes' ? ' (can be rerun)' : ''))}`,
    `  completed: ${list(completed, () => '')}`,
    'Paste an id into a job node\'s Job ID field (or an inject\'s payload) to wait on it, rerun it or fetch its output.',
  ];
}
