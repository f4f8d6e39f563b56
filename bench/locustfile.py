"""The load scenario (`python -m bench --only load`): staff working through the API at once.

Each simulated user holds a token of one demo role and, with a few seconds of thought between
actions, reads (resident lists with and without search, resident details, case lists and
details, case figures, the grid map) and writes (reports a case, accepts it and comments on it;
updates a resident's notes with a reason). Every answer must be the expected status: any other
answer, a timeout or a connection error is a failure, and the run needs zero failures.

Reads `BENCH_LOAD_DATA` (tokens and ids in scope, written by the harness).
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

from locust import HttpUser, between, task

DATA: dict[str, Any] = json.loads(open(os.environ["BENCH_LOAD_DATA"]).read())  # noqa: SIM115


class Staff(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        self.rng = random.Random()
        self.reader = self.rng.choice(["worker", "worker", "street", "district", "grid"])
        self.read_headers = {"Authorization": f"Token {DATA['tokens'][self.reader]}"}
        self.write_headers = {"Authorization": f"Token {DATA['tokens']['worker']}"}

    def _get(self, path: str, name: str, params: dict[str, Any] | None = None) -> None:
        with self.client.get(
            path, params=params, headers=self.read_headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(10)
    def resident_list(self) -> None:
        self._get("/api/v1/residents/", "residents list", {"page": self.rng.randint(1, 5)})

    @task(6)
    def resident_search(self) -> None:
        self._get("/api/v1/residents/", "residents search", {"search": self.rng.choice(DATA["search"])})

    @task(8)
    def resident_detail(self) -> None:
        # Details are read as the community worker: every sampled resident is in their scope.
        with self.client.get(
            f"/api/v1/residents/{self.rng.choice(DATA['residents'])}/",
            headers=self.write_headers,
            name="resident detail",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")

    @task(2)
    def grid_map(self) -> None:
        self._get("/api/v1/grids/geojson/", "grids geojson")

    @task(5)
    def case_list(self) -> None:
        if DATA["cases"]:
            self._get("/api/v1/cases/", "cases list")

    @task(3)
    def case_figures(self) -> None:
        if DATA["cases"]:
            self._get("/api/v1/case-figures/", "case figures", {"by": "community"})

    @task(3)
    def report_accept_comment(self) -> None:
        if not DATA["categories"]:
            return
        body = {
            "category": self.rng.choice(DATA["categories"]),
            "description": "压力测试：楼道堆放杂物，影响通行",
            "grid": self.rng.choice(DATA["grids"]),
            "source": "grid",
        }
        with self.client.post(
            "/api/v1/cases/", json=body, headers=self.write_headers, name="case report", catch_response=True
        ) as response:
            if response.status_code != 201:
                response.failure(f"{response.status_code}: {response.text[:300]}")
                return
            case_id = response.json()["id"]
        for verb, payload in (("accept", {"note": "压力测试立案"}), ("comment", {"note": "压力测试备注"})):
            with self.client.post(
                f"/api/v1/cases/{case_id}/{verb}/",
                json=payload,
                headers=self.write_headers,
                name=f"case {verb}",
                catch_response=True,
            ) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code}: {response.text[:300]}")
                    return

    @task(3)
    def update_notes(self) -> None:
        pk = self.rng.choice(DATA["residents"])
        body = {"notes": f"压力测试走访记录 {self.rng.randint(1, 10**6)}", "reason": "压力测试：更新备注"}
        with self.client.patch(
            f"/api/v1/residents/{pk}/",
            json=body,
            headers=self.write_headers,
            name="resident notes",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:300]}")
