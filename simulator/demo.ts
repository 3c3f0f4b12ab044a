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
      // A second failed job, for the rerun example, so it never races the wait example.
      jobId: 'demo-export-failed',
      subCategory: 'Sales Order Export',
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
      queuedMs: 15000,
      runMs: 10 * 60 * 1000,
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
