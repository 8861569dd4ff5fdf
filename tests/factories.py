"""Small road maps written as the CSV files performance teams keep, for tests to load."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from commands.roadmap_files.importing import import_roadmap
from storage.db import Database

GROUPS = """slug,name,channel,leads
children,Children's Trust Board,C0CHILDREN1,U0CHILDLEAD U0CHILDLEA2
economy,Inclusive Economy Board,C0ECONOMY01,U0ECONLEAD1
"""

# Outcome 12's path: 40% at the end of 2023/24 (31 Mar 2024), 30% by the end of 2025/26
# (31 Mar 2026, 730 days later): 35% expected at the end of 2024/25, halfway.
OUTCOMES = """number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,baseline_value,milestones,tolerance,owner,source
12,Fewer children grow up in poverty,Child friendly town,Children in relative low-income families,%,lower_is_better,financial_year,180,2023/24,40,2025/26:30;2040:10,5%,children,DWP
13,More children are vaccinated,Child friendly town,MMR coverage,%,higher_is_better,quarterly,60,2024-Q1,85,2026-Q1:89;2040:95,1,children,UKHSA
20,More jobs in the town,Inclusive economy,Jobs in the town,count,higher_is_better,annual,270,2023,93000,2030:100000;2040:110000,5%,economy,ONS BRES
"""

READINGS = """outcome,period,value,submitted_by,submitted_at,note
12,2024/25,36,U0CHILDLEAD,2025-10-01T09:00:00Z,
13,2024-Q2,86,U0CHILDLEAD,2024-09-01T09:00:00Z,
13,2024-Q3,85.5,U0CHILDLEAD,2024-12-01T09:00:00Z,provisional
"""


# 21: life expectancy, pooled over three calendar years, published 420 days after a period
# ends. 2022-24 ends 31 Dec 2024 and is due on Tue 24 Feb 2026; 2023-25 is due 24 Feb 2027.
# 22: Level 2 by 19, per academic year (September to August), due 240 days after it ends:
# 2024/25 ends 31 Aug 2025, due Tue 28 Apr 2026.
CADENCE_OUTCOMES = """number,title,area,measure,unit,polarity,cadence,lag_days,baseline_period,baseline_value,milestones,tolerance,owner,source
21,Men live longer lives,Population wellbeing,Male life expectancy at birth,years,higher_is_better,pooled_3y,420,2020-22,78.1,2026-28:78.8;2038-40:80.5,0.3,children,ONS
22,Good English and maths by 19,Child friendly town,Level 2 English and maths by 19,%,higher_is_better,academic_year,240,2023/24,71,2027/28:73.5;2039/40:80,5%,children,DfE
"""
CADENCE_READINGS = """outcome,period,value,submitted_by,submitted_at,note
21,2021-23,78.2,U0CHILDLEAD,2025-03-10T17:27:00Z,
22,2024/25,72.5,U0CHILDLEAD,2026-05-25T16:06:00Z,
"""


def write_roadmap(directory: Path, *, readings: str | None = READINGS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "groups.csv").write_text(GROUPS)
    (directory / "outcomes.csv").write_text(OUTCOMES)
    if readings is not None:
        (directory / "readings.csv").write_text(readings)
    return directory


async def load_roadmap(
    db: Database, directory: Path, now: datetime, tz: ZoneInfo, *, readings: str | None = READINGS
) -> None:
    write_roadmap(directory, readings=readings)
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)


# Delivery plans for the road map above: 12.1 also serves outcome 13; 12.2 is a pledge past its
# due date (30 Oct 2026) with no update; 20.1 is delayed.
ACTIONS = """outcome,number,title,kind,lead_org,owner,start,due,state,also_outcomes
12,1,Auto-enrol free school meals,action,Luton Council,U0CHILDLEA2,2026-03-02,2027-01-29,on_track,13
12,2,Pay care workers the Real Living Wage,pledge,Luton Council,U0CHILDLEAD,2026-10-01,2026-10-30,on_track,
20,1,A jobs fair at the airport,action,London Luton Airport,U0ECONLEAD1,2026-05-01,2026-12-31,delayed,
"""

ACTION_UPDATES = """action,at,by,state,text
12.1,2026-09-01T09:00:00Z,U0CHILDLEA2,on_track,Data-sharing agreement signed
20.1,2026-09-28T10:00:00Z,U0ECONLEAD1,delayed,"Venue changed, new date January"
"""


def write_plans(directory: Path, *, actions: str = ACTIONS, updates: str = ACTION_UPDATES) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "actions.csv").write_text(actions)
    (directory / "action_updates.csv").write_text(updates)
    return directory


async def load_roadmap_with_plans(
    db: Database, directory: Path, now: datetime, tz: ZoneInfo
) -> None:
    write_roadmap(directory)
    write_plans(directory)
    async with db.transaction() as session:
        await import_roadmap(session, directory, actor="tests", now=now, tz=tz)
