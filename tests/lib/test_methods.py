"""collab_portal.lib.methods: which served methods a view answers, for the 405's Allow."""

from django.contrib.auth import views as auth_views
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from collab_portal.lib.methods import allowed_methods
from collab_portal.org import views as org_views


def test_a_function_views_declared_methods_are_found_through_other_decorators():
    @require_http_methods(["GET", "POST"])
    @never_cache
    def page(request):
        raise AssertionError("never called")

    assert allowed_methods(page) == ["GET", "POST"]
    assert allowed_methods(org_views.healthz) == ["GET"]
    assert allowed_methods(org_views.set_language) == ["POST"]
    assert allowed_methods(require_GET(never_cache(page))) == ["GET"]


def test_a_class_based_view_answers_what_it_has_handlers_for():
    assert allowed_methods(org_views.LoginView.as_view()) == ["GET", "HEAD", "POST"]
    assert allowed_methods(auth_views.LogoutView.as_view()) == ["POST"]


def test_a_view_that_declares_nothing_is_taken_to_answer_every_served_method():
    def page(request):
        raise AssertionError("never called")

    assert allowed_methods(page) == ["GET", "HEAD", "POST"]
