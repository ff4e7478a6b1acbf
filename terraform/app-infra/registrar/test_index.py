"""Offline tests of the registrar's decisions (run: python3 -m unittest discover -s
terraform/app-infra/registrar; harness/tests/terraform_contract.rs runs them in CI).

The ECS and ELB clients are fakes that hold state, so reconcile is tested end to end:
after one run every target group holds exactly its service's RUNNING task IPs.
"""

import os
import unittest

import index

CLUSTER = "arn:aws:ecs:eu-west-1:111122223333:cluster/app"
TG_STABLE = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/app-stable/1"
TG_CANARY = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/app-canary/2"
GROUPS = {"service:app-stable": TG_STABLE, "service:app-canary": TG_CANARY}


def task(arn, ip, last="RUNNING", desired="RUNNING", group="service:app-stable", kind="eni"):
    return {
        "taskArn": arn,
        "group": group,
        "lastStatus": last,
        "desiredStatus": desired,
        "attachments": [
            {"type": kind, "details": [{"name": "privateIPv4Address", "value": ip}]}
        ],
    }


class FakeEcs:
    def __init__(self, tasks):
        self.tasks = tasks  # service name -> list of DescribeTasks items

    def get_paginator(self, name):
        assert name == "list_tasks"
        ecs = self

        class Paginator:
            def paginate(self, cluster, serviceName, desiredStatus):
                assert cluster == CLUSTER and desiredStatus == "RUNNING"
                arns = [
                    t["taskArn"]
                    for t in ecs.tasks.get(serviceName, [])
                    if t["desiredStatus"] == "RUNNING"
                ]
                # Two pages, as the real paginator may return.
                return [{"taskArns": arns[:1]}, {"taskArns": arns[1:]}]

        return Paginator()

    def describe_tasks(self, cluster, tasks):
        assert cluster == CLUSTER and len(tasks) <= 100
        every = [t for ts in self.tasks.values() for t in ts]
        return {"tasks": [t for t in every if t["taskArn"] in tasks]}


class FakeElb:
    def __init__(self, registered):
        self.registered = {tg: dict(ips) for tg, ips in registered.items()}  # tg -> ip -> state
        self.calls = []

    def describe_target_health(self, TargetGroupArn):
        return {
            "TargetHealthDescriptions": [
                {"Target": {"Id": ip, "Port": 80}, "TargetHealth": {"State": state}}
                for ip, state in self.registered.get(TargetGroupArn, {}).items()
            ]
        }

    def register_targets(self, TargetGroupArn, Targets):
        self.calls.append(("register", TargetGroupArn, [t["Id"] for t in Targets]))
        for t in Targets:
            assert t["AvailabilityZone"] == "all" and t["Port"] == 80
            self.registered.setdefault(TargetGroupArn, {})[t["Id"]] = "initial"

    def deregister_targets(self, TargetGroupArn, Targets):
        self.calls.append(("deregister", TargetGroupArn, [t["Id"] for t in Targets]))
        for t in Targets:
            self.registered.get(TargetGroupArn, {})[t["Id"]] = "draining"

    def serving(self, tg):
        return {ip for ip, s in self.registered.get(tg, {}).items() if s != "draining"}


class PlanTest(unittest.TestCase):
    def test_plan_is_the_two_set_differences(self):
        self.assertEqual(index.plan({"a", "b"}, {"b", "c"}), (["a"], ["c"]))
        self.assertEqual(index.plan(set(), {"x", "w"}), ([], ["w", "x"]))
        self.assertEqual(index.plan({"x"}, set()), (["x"], []))
        self.assertEqual(index.plan({"x"}, {"x"}), ([], []))

    def test_plan_makes_registered_equal_desired_for_all_small_sets(self):
        ips = ["10.20.0.%d" % i for i in range(5)]
        for d in range(32):
            for r in range(32):
                desired = {ip for i, ip in enumerate(ips) if d >> i & 1}
                registered = {ip for i, ip in enumerate(ips) if r >> i & 1}
                add, remove = index.plan(desired, registered)
                self.assertFalse(set(add) & set(remove))
                self.assertEqual((registered | set(add)) - set(remove), desired)

    def test_running_ips_keeps_only_running_tasks_meant_to_run(self):
        tasks = [
            task("t1", "10.20.0.1"),
            task("t2", "10.20.0.2", last="PENDING"),
            task("t3", "10.20.0.3", desired="STOPPED"),
            task("t4", "10.20.0.4", last="DEACTIVATING", desired="STOPPED"),
            task("t5", "10.20.0.5", kind="ElasticNetworkInterface"),
        ]
        self.assertEqual(index.running_ips(tasks), {"10.20.0.1", "10.20.0.5"})


class EventTest(unittest.TestCase):
    def test_a_task_is_deregistered_on_the_first_sign_it_is_stopping(self):
        # ECS marks desiredStatus STOPPED (lastStatus still RUNNING) before SIGTERM.
        for last, desired in [
            ("RUNNING", "STOPPED"),
            ("DEACTIVATING", "STOPPED"),
            ("STOPPING", "STOPPED"),
            ("DEPROVISIONING", "STOPPED"),
            ("STOPPED", "STOPPED"),
            ("STOPPING", "RUNNING"),
        ]:
            self.assertEqual(
                index.event_action({"lastStatus": last, "desiredStatus": desired}),
                "deregister",
                (last, desired),
            )
        self.assertEqual(
            index.event_action({"lastStatus": "RUNNING", "desiredStatus": "RUNNING"}), "register"
        )
        for last in ["PROVISIONING", "PENDING", "ACTIVATING"]:
            self.assertIsNone(index.event_action({"lastStatus": last, "desiredStatus": "RUNNING"}))

    def test_stopping_event_deregisters(self):
        elb = FakeElb({TG_STABLE: {"10.20.0.1": "healthy"}})
        ecs = FakeEcs({})
        detail = task("t1", "10.20.0.1", last="RUNNING", desired="STOPPED")
        out = index.on_task_change(ecs, elb, detail, GROUPS, CLUSTER, 80)
        self.assertEqual(out["action"], "deregistered")
        self.assertEqual(elb.serving(TG_STABLE), set())

    def test_late_running_event_of_a_stopping_task_is_not_registered(self):
        # The task already began stopping; its RUNNING event arrives afterwards.
        ecs = FakeEcs({"app-stable": [task("t1", "10.20.0.1", desired="STOPPED")]})
        elb = FakeElb({})
        out = index.on_task_change(ecs, elb, task("t1", "10.20.0.1"), GROUPS, CLUSTER, 80)
        self.assertEqual(out["action"], "ignored")
        self.assertEqual(elb.calls, [])

    def test_running_event_registers_into_the_services_group(self):
        running = task("t9", "10.20.1.9", group="service:app-canary")
        ecs = FakeEcs({"app-canary": [running]})
        elb = FakeElb({})
        out = index.on_task_change(ecs, elb, running, GROUPS, CLUSTER, 80)
        self.assertEqual(out, {"action": "registered", "ip": "10.20.1.9"})
        self.assertEqual(elb.serving(TG_CANARY), {"10.20.1.9"})
        self.assertEqual(elb.serving(TG_STABLE), set())

    def test_unknown_group_or_no_ip_is_ignored(self):
        elb = FakeElb({})
        other = task("t1", "10.20.0.1", group="service:someone-else")
        self.assertEqual(index.on_task_change(FakeEcs({}), elb, other, GROUPS, CLUSTER, 80)["action"], "ignored")
        no_ip = dict(task("t1", "10.20.0.1"), attachments=[])
        self.assertEqual(index.on_task_change(FakeEcs({}), elb, no_ip, GROUPS, CLUSTER, 80)["action"], "ignored")
        self.assertEqual(elb.calls, [])


class ReconcileTest(unittest.TestCase):
    def test_reconcile_leaves_exactly_the_running_ips(self):
        ecs = FakeEcs(
            {
                "app-stable": [
                    task("s1", "10.20.0.1"),
                    task("s2", "10.20.0.2"),
                    task("s3", "10.20.0.3", desired="STOPPED", last="STOPPING"),
                    task("s4", "10.20.0.4", last="PENDING"),
                ],
                "app-canary": [],
            }
        )
        elb = FakeElb(
            {
                # s1 registered, s2 missing (lost event), dead IP left by an out-of-order event.
                TG_STABLE: {"10.20.0.1": "healthy", "10.20.0.99": "unhealthy", "10.20.0.3": "healthy"},
                # Canary scaled to zero but one IP stayed behind.
                TG_CANARY: {"10.20.1.5": "healthy", "10.20.1.6": "draining"},
            }
        )
        changes = index.reconcile(ecs, elb, GROUPS, CLUSTER, 80)
        self.assertEqual(elb.serving(TG_STABLE), {"10.20.0.1", "10.20.0.2"})
        self.assertEqual(elb.serving(TG_CANARY), set())
        self.assertEqual(
            changes["app-stable"],
            {"registered": ["10.20.0.2"], "deregistered": ["10.20.0.3", "10.20.0.99"]},
        )
        self.assertEqual(changes["app-canary"], {"registered": [], "deregistered": ["10.20.1.5"]})
        # A second run has nothing to do.
        elb.calls.clear()
        index.reconcile(ecs, elb, GROUPS, CLUSTER, 80)
        self.assertEqual(elb.calls, [])

    def test_handler_routes_scheduled_events_to_reconcile(self):
        ecs = FakeEcs({"app-stable": [task("s1", "10.20.0.1")], "app-canary": []})
        elb = FakeElb({})
        index._CLIENTS.update({"ecs": ecs, "elbv2": elb})
        env = {"TARGET_GROUPS": '{"service:app-stable": "%s", "service:app-canary": "%s"}' % (TG_STABLE, TG_CANARY), "CLUSTER_ARN": CLUSTER, "TARGET_PORT": "80"}
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            out = index.handler({"detail-type": "Scheduled Event", "source": "aws.events"}, None)
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            index._CLIENTS.clear()
        self.assertEqual(out["action"], "reconciled")
        self.assertEqual(elb.serving(TG_STABLE), {"10.20.0.1"})


if __name__ == "__main__":
    unittest.main()
