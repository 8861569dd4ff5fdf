"""What waymark checks at its Slack door: signatures before anything is read, malformed bodies
refused plainly, slash commands replayed inside the signing window ignored, and mentions that
only waymark's own code can make."""

from tests.slack.harness import CHILDREN, OUTSIDER, SlackHarness


async def test_a_mention_typed_by_someone_is_shared_as_text_never_as_a_mention(
    slack: SlackHarness,
) -> None:
    await slack.command(OUTSIDER, CHILDREN, "@{U0CHILDLEAD} <@U0CHILDLEAD> <!channel> share")
    [posted] = slack.calls("chat.postMessage")
    shown = str(posted["text"]) + str(posted["blocks"])
    assert "@{U0CHILDLEAD}" in shown
    assert "<@" not in shown
    assert "<!channel>" not in shown
