"""The prompt as written: the baseline every other transform is compared with."""

from __future__ import annotations

import random

from bastion.redteam.transforms import Message, Transform, user


class Plain(Transform):
    name = "none"
    description = "The prompt as written (baseline)."

    def messages(self, prompt: str, rng: random.Random) -> list[Message]:
        return user(prompt)


TRANSFORM = Plain()
