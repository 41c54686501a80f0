"""A writer for the crash test: posts receipts with idempotency keys and records each
acknowledgement (fsync'd) only after its transaction committed. Run as a subprocess:
``python -m tests.crash_writer URL FUND_ID WRITER ACK_FILE COUNT``."""

import os
import sys
from datetime import date
from pathlib import Path

from ledger.engine import make_engine, new_session
from ledger.services.idempotency import claim_key, complete_key
from ledger.services.receipts import ReceiptInput, record_receipt


def main(url: str, fund: int, writer: str, ack_file: str, count: int) -> None:
    engine = make_engine(url)
    done = set(Path(ack_file).read_text().split()) if os.path.exists(ack_file) else set()
    with open(ack_file, "a") as acks:
        for index in range(count):
            key = f"{writer}-{index}"
            if key in done:
                continue
            session = new_session(engine, write=True)
            payload = {"writer": writer, "index": index}
            first = claim_key(session, key=key, user_id=None, payload=payload)
            if first is not None:  # committed before the kill, never acknowledged: replayed
                with open(ack_file + ".replayed", "a") as replayed:
                    replayed.write(key + "\n")
            if first is None:
                receipt = record_receipt(
                    session,
                    unit_id=fund,
                    data=ReceiptInput(
                        receipt_date=date(2018, 1 + index % 12, 1 + index % 28),
                        amount=1_000 * (index + 1),
                        payer_name=key,
                    ),
                )
                complete_key(session, key=key, result=str(receipt.id))
            session.commit()
            session.close()
            acks.write(key + "\n")
            acks.flush()
            os.fsync(acks.fileno())


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]))
