"""The migration that gives translations the post revision they were made from backfills it
for existing posts: a translation written before an edit comes out outdated, one written
after it current."""

import importlib.util
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from conftest import make_post

from commonground.db import db, utcnow
from commonground.discussion.models import Post, PostRevision, PostTranslation

MIGRATION = next(
    (Path(__file__).resolve().parents[2] / "migrations" / "versions").glob(
        "*_erased_accounts_redactions_translation_revisions.py"
    )
)


def migration():
    spec = importlib.util.spec_from_file_location("translation_revisions", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_backfill_tells_outdated_translations_from_current_ones(app, world):
    start = utcnow() - timedelta(hours=3)
    edited = make_post(world.item, world.memberships["delegate"], body="Third text.")
    untouched = make_post(world.item, world.memberships["delegate2"], body="Only text.")
    db.session.add_all(
        [
            PostRevision(post_id=edited.id, body="First text.", replaced_at=start),
            PostRevision(
                post_id=edited.id, body="Second text.", replaced_at=start + timedelta(hours=1)
            ),
            # Made from the first text (before both edits), and from the second one.
            PostTranslation(
                post_id=edited.id,
                language="fr",
                body="Premier texte.",
                created_at=start - timedelta(minutes=5),
            ),
            PostTranslation(
                post_id=edited.id,
                language="es",
                body="Segundo texto.",
                created_at=start + timedelta(minutes=30),
            ),
            PostTranslation(post_id=untouched.id, language="fr", body="Seul texte."),
        ]
    )
    db.session.flush()
    # The database as it was before the migration: every value at its default.
    db.session.execute(sa.update(Post).values(revision=1))
    db.session.execute(sa.update(PostTranslation).values(source_revision=1))
    db.session.commit()

    migration().backfill(db.session.connection())
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Post, edited.id).revision == 3
    assert db.session.get(Post, untouched.id).revision == 1
    revisions = dict(
        db.session.execute(
            sa.select(
                PostTranslation.post_id.concat(":").concat(PostTranslation.language),
                PostTranslation.source_revision,
            )
        ).all()
    )
    assert revisions == {f"{edited.id}:fr": 1, f"{edited.id}:es": 2, f"{untouched.id}:fr": 1}
    fr = db.session.scalar(
        sa.select(PostTranslation).where(
            PostTranslation.post_id == edited.id, PostTranslation.language == "fr"
        )
    )
    assert fr.is_outdated(3) and not fr.is_outdated(1)
