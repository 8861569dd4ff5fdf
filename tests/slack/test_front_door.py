"""What waymark checks at its Slack door: signatures before anything is read, malformed bodies
refused plainly, slash commands replayed inside the signing window ignored, and mentions that
only waymark's own code can make."""

from tests.slack.harness import CHILDREN, OUTSIDER, SlackHarness


async def test_a_mention_typed_by_someone_is_shared_as_text_never_as_a_mention(
    slack: SlackHarness,
) -> None:
    await slack.command(OUTSIDER, CHILDREN, "@{U0CHILDLEAD} <@U0CHILDLEAD> <!channel> share")
    [posted] = slack.calls("chat.postMessage")
    # mrkdwn is where Slack turns <@U…> and <!channel> into notifications; plain_text never.
    mrkdwn = [b["text"]["text"] for b in posted["blocks"] if b["text"]["type"] == "mrkdwn"]
    shown = " ".join([str(posted["text"]), *mrkdwn])
    assert "@{U0CHILDLEAD}" in shown
    assert "<@" not in shown
    assert "<!channel>" not in shown
