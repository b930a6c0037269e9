"""collab_portal.lib.urls: the one reading of a ``next``."""

import pytest
from django.test import RequestFactory

from collab_portal.lib.urls import local_path, redirect_next
from tests.security.bad_input_corpus import BAD_NEXT, GOOD_NEXT


@pytest.mark.parametrize("item", BAD_NEXT, ids=list(BAD_NEXT))
def test_anything_but_a_path_of_this_site_is_refused(item):
    request = RequestFactory().get("/")
    assert local_path(BAD_NEXT[item], request=request) is None
    assert local_path(f"http://testserver{GOOD_NEXT[0]}", request=request) is None
    assert local_path(None, request=request) is None


@pytest.mark.parametrize("path", GOOD_NEXT)
def test_a_path_of_this_site_is_kept_as_it_is(path):
    assert local_path(path, request=RequestFactory().get("/")) == path


def test_redirect_next_follows_the_posted_next_else_the_querys_else_the_default():
    factory = RequestFactory()
    posted = factory.post("/x/?next=/from-query/", {"next": "/from-form/"})
    assert redirect_next(posted, "/default/")["Location"] == "/from-form/"
    queried = factory.post("/x/?next=/from-query/")
    assert redirect_next(queried, "/default/")["Location"] == "/from-query/"
    tampered = factory.post("/x/?next=/from-query/", {"next": "abc"})  # no second guess
    assert redirect_next(tampered, "/default/")["Location"] == "/default/"
