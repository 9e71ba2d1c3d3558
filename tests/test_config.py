"""policies.toml: the real file loads; every problem is one line naming file, policy and problem."""

from __future__ import annotations

import pytest

from policydiff.config import ConfigError, load_config
from tests.conftest import ROOT


def test_repository_config_tracks_both_seeds():
    config = load_config(ROOT / "policies.toml")
    assert config.policies["tonerrefillkits"].url == "https://tonerrefillkits.com/privacy/"
    assert config.policies["megatoners"].url == "http://www.megatoners.com/privacypolicy.html"
    assert config.policies["megatoners"].promise.posting_days == 7
    assert config.policies["tonerrefillkits"].every.days == 1


def test_ota_sample_declarations_load_with_ranges():
    config = load_config(ROOT / "tests" / "fixtures" / "ota-policies.toml")
    npm = config.policies["npm-public-registry"]
    assert npm.select == ({"startBefore": "h1", "endBefore": "#toc-heading"},)
    assert npm.remove == ("details",)


@pytest.mark.parametrize("body, problem", [
    ("[policies.a\nurl = 'x'", "invalid TOML"),
    ("[policies.a]\nurl = 'https://a.example/p'\ncolour = 'red'\n", "policy 'a': unknown key 'colour'"),
    ("[policies.a]\nname = 'A'\n", "policy 'a': missing url"),
    ("[policies.a]\nurl = 'file:///etc/passwd'\n", "policy 'a': url 'file:///etc/passwd' is not an http(s) URL"),
    ("[policies.a]\nurl = 'https://a.example:https/p'\n", "policy 'a': url 'https://a.example:https/p' has a port"),
    ("[policies.a]\nurl = 'https://a.example/p'\nselect = ['main >> p']\n", "policy 'a': "),
    ("[policies.a]\nurl = 'https://a.example/p'\nselect = [{ startBefore = 'h1', middle = 'p' }]\n", "policy 'a': "),
    ("[policies.a]\nurl = 'https://a.example/p'\n[policies.a]\nurl = 'https://b.example/p'\n",
     "policy 'a': duplicate id"),
    ("[policies.a]\nurl = 'https://a.example/p'\nevery = 'sometimes'\n", "policy 'a': every = 'sometimes'"),
    ("[policies.a]\nurl = 'https://a.example/p'\n[policies.a.promise]\nposting_days = -1\n", "policy 'a': "),
    ("[policies.a]\nurl = 'https://a.example/p'\n[email]\npassword = 'hunter2'\n", "[email]: put the password"),
    ("[crawl]\ndelay = 'slow'\n", "[crawl]: delay must be a number"),
    ("[archive]\npublic_url = 'policies.example.org'\n", "[archive]: public_url must be an http(s) URL"),
    ("[archive]\npublic_url = 42\n", "[archive]: public_url must be an http(s) URL"),
    ("[policies.A_B]\nurl = 'https://a.example/p'\n", "policy 'A_B': ids are lower-case"),
])
def test_bad_config_is_one_line_naming_file_policy_and_problem(tmp_path, body, problem):
    path = tmp_path / "policies.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert problem in message
    assert "\n" not in message
    assert "hunter2" not in message


def test_missing_config_says_how_to_point_at_one(tmp_path):
    with pytest.raises(ConfigError, match="pass --config or set POLICYDIFF_CONFIG"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("args", [["history", "x"], ["crawl"], ["import", "--manifest", "m.jsonl"]])
def test_cli_exits_2_with_one_line_on_bad_config(cli, tmp_path, args):
    bad = tmp_path / "bad.toml"
    bad.write_text("[policies.a]\nurl = 'https://a.example/p'\nsurprise = 1\n", encoding="utf-8")
    result = cli(*args, "--config", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "policy 'a': unknown key 'surprise'" in result.stderr


def test_cli_unknown_policy_id_is_a_usage_error(cli):
    result = cli("history", "nosuch", "--config", str(ROOT / "policies.toml"))
    assert result.returncode == 2
    assert "no policy 'nosuch' (known: megatoners, tonerrefillkits)" in result.stderr


def test_every_toml_example_in_the_docs_loads(tmp_path):
    """An operator copies these: each must be a valid policies file."""
    import re

    examples = [(doc, block) for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
                for block in re.findall(r"```toml\n(.*?)```", doc.read_text(), re.S)]
    assert examples
    for n, (doc, block) in enumerate(examples):
        path = tmp_path / f"example{n}.toml"
        path.write_text(block + "\n[policies.example]\nurl = 'https://example.org/p'\n")
        try:
            load_config(path)
        except ConfigError as exc:
            pytest.fail(f"{doc.name}, example {n}: {exc}")
