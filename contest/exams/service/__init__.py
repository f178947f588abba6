"""The exams module's rules, by concern:

- `bank`: question banks; questions added, revised (a new version each time), retired, imported;
- `papers`: tests of a theory stage, their blueprints, and papers drawn by rule (ledgered);
- `sittings`: the timed test in the room: sign-in, one device, answers saved, the server's clock,
  the invigilator's console;
- `marking`: marking by the platform and by two markers, the stage's mark, confirmation, item analysis;
- `audit`: papers, answers and marks checked against the ledger;
- `practice`: 网上练兵 — practice sets, quiz campaigns, light accounts, leaderboards, participation.

Other modules use them through this package (`from contest.exams import service`)."""
from contest.exams.service import audit, bank, marking, papers, practice, sittings

__all__ = ["audit", "bank", "marking", "papers", "practice", "sittings"]
