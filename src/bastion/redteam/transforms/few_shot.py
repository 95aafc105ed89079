"""Few-shot priming: a short fabricated history in which the assistant answered edgy questions at once."""

from __future__ import annotations

import random

from bastion.redteam.transforms import Message, Transform
from bastion.redteam.transforms._shots import SHOTS

SHOT_COUNT = 3


class FewShot(Transform):
    name = "few_shot"
    description = f"{SHOT_COUNT} fabricated user/assistant turns of eager compliance before the request."

    def messages(self, prompt: str, rng: random.Random) -> list[Message]:
        out: list[Message] = []
        for q, a in rng.sample(SHOTS, SHOT_COUNT):
            out += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
        return [*out, {"role": "user", "content": prompt}]


TRANSFORM = FewShot()
