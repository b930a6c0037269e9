"""Queueing work never bothers the user; bulk work can leave it to the periodic sweeps."""

from unittest import mock

from collab_portal.lib.broker import broker_deferred, send_task_quietly


def test_a_broker_failure_is_logged_not_raised(caplog):
    task = mock.Mock(name="task")
    task.apply_async.side_effect = ConnectionRefusedError("redis is down")
    assert send_task_quietly(task, args=[1]) is False
    assert "broker unavailable" in caplog.text


def test_nothing_is_queued_inside_a_deferred_block():
    task = mock.Mock(name="task")
    with broker_deferred():
        assert send_task_quietly(task, args=[1]) is False
    task.apply_async.assert_not_called()
    assert send_task_quietly(task, args=[2]) is True
    task.apply_async.assert_called_once_with(args=[2], kwargs={}, retry=False)
