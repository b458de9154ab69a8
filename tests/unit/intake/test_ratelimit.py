from services.intake.domain.ratelimit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_per_key() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.take("op1") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("op1") == 1.0  # one token a second
    assert limiter.take("op2") == 0.0  # another key has its own bucket
    clock.now = 1.0
    assert limiter.take("op1") == 0.0
    assert limiter.take("op1") > 0


def test_forgets_full_buckets_when_full_of_keys() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=1, clock=clock, max_keys=2)
    limiter.take("a")
    limiter.take("b")
    clock.now = 10.0
    assert limiter.take("c") == 0.0
    assert limiter.take("a") == 0.0  # refilled while forgotten: same answer as remembered
