"""Topic trees: Ward merges on planted profiles, nested cuts numbered largest first."""

from __future__ import annotations

import numpy as np
import pytest

from topicflow.pipelines.models.tree import (
    Profile,
    build_tree,
    centroid_rows,
    centroid_view,
    distribution_view,
    in_median_units,
    ladder,
    unit_view,
)


def _families():
    """Six leaves in three families: leaves 2k and 2k+1 point the same way (plus noise)."""
    rng = np.random.default_rng(0)
    axes = np.eye(3) * 10
    rows = np.vstack([axes[k // 2] + rng.uniform(0, 1, 3) for k in range(6)])
    return rows


def test_similar_leaves_merge_first_and_cuts_recover_the_families():
    tree = build_tree([Profile(_families(), unit_view)], sizes=[10] * 6)
    first_three = {tuple(sorted(pair)) for pair in tree.merges[:3]}
    assert first_three == {(0, 1), (2, 3), (4, 5)}
    groups = tree.partition(3)
    assert [groups[0] == groups[1], groups[2] == groups[3], groups[4] == groups[5]] == [True] * 3
    assert len(set(groups.tolist())) == 3
    assert sorted(tree.partition(6).tolist()) == list(range(6))  # every leaf its own topic


def test_cuts_are_nested_and_numbered_largest_first():
    rng = np.random.default_rng(1)
    rows = rng.uniform(0, 1, size=(9, 5))
    sizes = [5, 40, 7, 30, 2, 9, 12, 1, 20]
    tree = build_tree([Profile(rows, unit_view)], sizes=sizes)
    for k in range(1, 9):
        fine, coarse = tree.partition(k + 1), tree.partition(k)
        # Every topic of the finer cut lies inside one topic of the coarser cut.
        for topic in set(fine.tolist()):
            assert len(set(coarse[fine == topic].tolist())) == 1
        totals = np.bincount(coarse, weights=sizes)
        assert list(totals) == sorted(totals, reverse=True)
    assert tree.partition(1).tolist() == [0] * 9
    assert tree.partition(99).tolist() == tree.partition(9).tolist()  # capped at the leaves


def test_ward_keeps_a_large_generic_topic_from_absorbing_the_small_ones():
    """A big leaf that is a bit like everything, and four small leaves in two pairs: plain
    "most similar first" would feed the small ones to the big one; Ward pairs them."""
    generic = np.ones(4)
    rows = np.vstack([generic, [3, 0.5, 0, 0], [3, 0.6, 0, 0], [0, 0, 3, 0.5], [0, 0, 3, 0.6]])
    tree = build_tree([Profile(rows, unit_view)], sizes=[500, 10, 10, 10, 10])
    groups = tree.partition(3)
    assert groups[0] == 0 and len({groups[1], groups[2]}) == 1 and groups[1] != groups[3]
    assert groups[3] == groups[4] and 0 not in (groups[1], groups[3])


def test_merged_rows_describe_the_merged_topic():
    """Two profiles averaged; distributions compared as distributions, not by scale."""
    words = np.array([[9.0, 1, 0], [90, 10, 0], [0, 1, 9]])  # leaves 0, 1: one shape
    tree = build_tree([Profile(words, distribution_view)], sizes=[1, 1, 1])
    assert tuple(sorted(tree.merges[0])) == (0, 1)
    assert tree.distance[0] == pytest.approx(0.0, abs=1e-9)


def test_centroids_merge_by_squared_distance_and_a_merged_leaf_sits_at_its_documents_mean():
    """Documents on a line: leaf 0 at 0, leaf 1 at 2 (one document each), leaf 2 two
    documents at 10. Leaves 0 and 1 merge first (distance 4); their merged centroid is 1,
    so the last merge is at distance 81 (not 64 or 100, from either child)."""
    points = np.array([[0.0], [2.0], [10.0], [10.0]])
    rows = centroid_rows(points, np.array([0, 1, 2, 2]), 3)
    assert rows.tolist() == [[0.0, 1.0], [2.0, 1.0], [20.0, 2.0]]
    tree = build_tree([Profile(rows, centroid_view, "squared_euclidean")], sizes=[1, 1, 2])
    assert [sorted(pair) for pair in tree.merges] == [[0, 1], [2, 3]]
    assert tree.distance == (4.0, 81.0)


def test_cosine_profiles_merge_summed_rows_by_one_minus_the_cosine():
    """Known answer: unit rows at 0, 10 and 90 degrees. The first two merge at 1 - cos 10;
    their summed row points at 5 degrees, so the last merge is at 1 - cos 85."""
    angles = np.radians([0.0, 10.0, 90.0])
    rows = np.column_stack([np.cos(angles), np.sin(angles)])
    tree = build_tree([Profile(rows, unit_view)], sizes=[1, 1, 1])
    assert [sorted(pair) for pair in tree.merges] == [[0, 1], [2, 3]]
    expected = (1 - np.cos(np.radians(10)), 1 - np.cos(np.radians(85)))
    assert tree.distance == pytest.approx(expected, abs=1e-6)


def test_a_profile_names_a_known_distance():
    with pytest.raises(ValueError, match="unknown distance 'euclidean'"):
        Profile(np.ones((2, 2)), unit_view, "euclidean")


def test_median_units_fall_back_to_the_leaves_apart_when_most_coincide():
    """Four of five leaves at one point: the median distance is 0, so the unit is the
    mean distance between the leaves that are apart (16 here), not the raw one."""
    points = np.array([[0.0], [0.0], [0.0], [0.0], [4.0]])
    scaled = in_median_units(
        Profile(centroid_rows(points, np.arange(5), 5), centroid_view, "squared_euclidean")
    )
    views = scaled.view(scaled.rows)
    assert scaled.distances(views[4:], views[:1])[0, 0] == pytest.approx(1.0)


def test_median_units_make_the_median_distance_between_leaves_one():
    points = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 4.0], [30.0, 40.0]])
    profile = Profile(centroid_rows(points, np.arange(4), 4), centroid_view, "squared_euclidean")
    scaled = in_median_units(profile)
    views = scaled.view(scaled.rows)
    distances = scaled.distances(views, views)[np.triu_indices(4, 1)]
    assert np.median(distances) == pytest.approx(1.0)
    # Rescaling keeps the order of the distances, so one profile alone merges the same.
    assert build_tree([scaled], [1] * 4).merges == build_tree([profile], [1] * 4).merges
    with pytest.raises(ValueError, match="squared_euclidean"):
        in_median_units(Profile(points, unit_view))


def test_profiles_need_one_row_per_leaf():
    with pytest.raises(ValueError, match="one row per leaf"):
        build_tree([Profile(np.ones((2, 3)), unit_view)], sizes=[1, 1, 1])


@pytest.mark.parametrize(
    "reported, leaves, expected",
    [
        (10, 40, [2, 5, 10, 20, 40]),
        (14, 14, [3, 7, 14]),
        (3, 3, [3]),
        (1, 1, [1]),
        (8, 9, [2, 4, 8, 9]),
    ],
)
def test_ladder(reported, leaves, expected):
    assert ladder(reported, leaves) == expected


def test_leaves_merge_within_their_group_first_so_the_group_count_cuts_out_the_groups():
    """The mixture families' rebuilt tree: leaves of one fitted topic merge before any two
    fitted topics do, even when a leaf is closer to another group's leaves."""
    rows = _families()
    # Leaf 1 belongs with 0 by profile, but its fitted topic is the one of 2 and 3.
    within = [0, 1, 1, 1, 2, 2]
    tree = build_tree([Profile(rows, unit_view)], sizes=[10] * 6, within=within)
    groups = tree.partition(3)
    assert [len({groups[i] for i in range(6) if within[i] == g}) for g in range(3)] == [1] * 3
    assert len(set(groups.tolist())) == 3
    assert tree.partition(2)[4] != tree.partition(2)[2] or tree.partition(2)[0] != groups[0]
    with pytest.raises(ValueError, match="one group per leaf"):
        build_tree([Profile(rows, unit_view)], sizes=[10] * 6, within=[0, 1])
