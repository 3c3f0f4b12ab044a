import type { JobSpec } from './jobs';

/** A handful of jobs in every state, some still moving, for demos and offline flow building. */
export function demoJobs(): JobSpec[] {
  return [
    {
      subCategory: 'Sales Order Export',
      queuedMs: 4000,
      runMs: 12000,
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'SalesOrders.csv', format: 'csv', rows: 120 }],
    },
    {
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
      subCategory: 'Production Forecasting Report',
      outcome: 'Failed',
      rerunOutcome: 'Completed',
      jobStatusText: 'Production forecast report failed: the database did not answer in time.',
      canReRun: 'Yes',
      queuedMs: 2000,
      runMs: 5000,
      responseType: 'Publishlink',
      documents: [{ name: 'Forecasting.xlsx', format: 'xlsx', rows: 40 }],
    },
    {
      subCategory: 'Style Price List',
      responseType: 'In-line JSON',
      inline: { styles: 3, prices: [{ style: 'ST10001', price: 12.5 }, { style: 'ST10002', price: 18 }, { style: 'ST10003', price: 9.95 }] },
    },
    {
      subCategory: 'Open Orders Report',
      responseType: 'Publishlink',
      scope: 'Public',
      documents: [{ name: 'OpenOrders.csv', format: 'csv', rows: 250 }],
    },
    {
      subCategory: 'Warehouse Stock Report',
      responseType: 'Publishlink',
      scope: 'Private',
      documents: [{ name: 'WarehouseStock.xlsx', format: 'xlsx', rows: 60 }],
    },
    {
      subCategory: 'Year End Inventory Valuation',
      queuedMs: 15000,
      runMs: 10 * 60 * 1000,
      responseType: 'Publishlink',
      scope: 'PeopleInOrganization',
      canReRun: 'No',
      documents: [{ name: 'Valuation.csv', format: 'csv', rows: 2000 }],
    },
  ];
}
