"""The demo company's ledger, simulated customer by customer (see `connectors.unified.demo_ledger`).

Split by concern so each rule of the simulation can be read on its own: `catalog` (names and
currency rules), `entries` (the documents and payments money moves on), `profiles` (who the
customers are and how they pay), `history` (invoices and credit memos), `settlement` (when and
how they are paid), `counterparties` (suppliers' bills and invoices of unknown customers),
`dirty` (opt-in defects) and `render` (Unified.to JSON).
"""
