"""The report's last page: how each status is worked out, and what "provisional" and "locked"
mean, in plain words (the rules themselves are `commands/domain/rules.py`)."""

from __future__ import annotations

METHOD = """<section class="section" id="method" aria-labelledby="method-h">
<h2 id="method-h">How the status is worked out</h2>
<h3>The path</h3>
<p>Each outcome has a baseline (its figure for a period before the road map began) and
milestones: the figure it should reach by the end of a given period, up to 2040. Its path is a
straight line, day by day, from the baseline through each milestone. The expected figure for a
reading is the path's figure at the end of the reading's period.</p>
<h3>The status</h3>
<ul>
<li><strong>On track</strong>: the latest reading meets or beats the expected figure (higher or
lower, whichever is better for the outcome).</li>
<li><strong>At risk</strong>: it misses the expected figure by no more than the outcome's
tolerance: a share of the expected figure (5% unless the outcome says otherwise), or an amount
in the measure's own unit (percentage points for a percentage).</li>
<li><strong>Off track</strong>: it misses by more than the tolerance.</li>
<li><strong>No data</strong>: there is no reading yet (the baseline is not a reading).</li>
</ul>
<p>The direction compares the latest reading with the one before: improving, worsening or
unchanged. Charts shade the tolerance on the side that counts: a reading in the shaded band is at
risk, one beyond it off track.</p>
<h3>Successes and where more work is required</h3>
<p>An outcome is listed as a success when its latest reading meets or beats its path, is better
than the reading before, or reaches a milestone it had not reached before (with a reading new
since the last report). More work is required when an outcome is off track, or when each of its
last two readings was worse than the one before.</p>
<h3>Provisional and approved</h3>
<p>A new reading is provisional until someone other than the person who gave it approves it: an
administrator or one of the owning group's approvers. Only approved readings count in a
published report; a draft made with provisional readings says so on its first page and marks
them.</p>
<h3>Locked periods</h3>
<p>Publishing a report locks every reading of the outcomes it reports whose period ends on or
before the report's date (a report for one area or group locks only theirs). The figures it
showed can then no longer be changed by the group leads; an administrator can revise one only by
giving a reason, and the revision is marked <em>revised after publication</em> wherever the
figure appears, in the next report too.</p>
<h3>Comparators</h3>
<p>England's figure, and other areas' where they are given, are for the same measure, for the
period written beside each: often earlier than the latest reading, as national figures are
published later. Each comes from the source named in the outcome's data notes; a figure whose
source says "illustrative" is an example, not a published figure.</p>
</section>"""
