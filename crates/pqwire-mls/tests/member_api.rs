//! `Member`, the group API the bindings expose: groups of 2, 3 and 50 on every offered
//! suite; adds, removes, updates; concurrent commits (one wins, the other is discarded and
//! retried); out-of-order application messages; a removed member locked out; malformed,
//! tampered, replayed and stale messages refused with a stable code and no change of
//! state; the state written to a record and read back mid-conversation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // helpers outside #[test]

use pqwire_core::pqxdh::{Identity, Validity};
use pqwire_core::SigSuite;
use pqwire_mls::suites::{self, Ciphersuite};
use pqwire_mls::{GroupCode, Member, Received};

const XWING: Ciphersuite = Ciphersuite::MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519;

fn identity() -> Identity {
    Identity::generate_random(SigSuite::Ed25519MlDsa65, Validity::new(0, 1 << 40).unwrap()).unwrap()
}

fn member(suite: Ciphersuite, name: &str) -> Member {
    Member::new(suite, &identity(), name.as_bytes()).unwrap()
}

fn code<T: core::fmt::Debug>(r: pqwire_mls::Result<T>) -> GroupCode {
    r.expect_err("expected a refusal").code
}

fn text(r: Received) -> String {
    match r {
        Received::Application { plaintext, .. } => String::from_utf8(plaintext).unwrap(),
        other => panic!("expected an application message, got {other:?}"),
    }
}

/// A group of `n` on `suite`: the first member creates it and adds the rest in one commit.
fn group_of(suite: Ciphersuite, n: usize) -> (Vec<u8>, Vec<Member>) {
    group_from((0..n).map(|i| member(suite, &format!("m{i}"))).collect())
}

/// A group of these members: the first creates it and adds the rest in one commit.
fn group_from(mut members: Vec<Member>) -> (Vec<u8>, Vec<Member>) {
    let n = members.len();
    let packages: Vec<Vec<u8>> = members[1..]
        .iter_mut()
        .map(|m| m.key_package(false).unwrap())
        .collect();
    let group = members[0].create_group().unwrap();
    if n > 1 {
        let commit = members[0].add_members(&group, &packages).unwrap();
        members[0].confirm_commit(&group).unwrap();
        let welcome = commit.welcome.unwrap();
        let tree = commit.ratchet_tree.unwrap();
        for m in &mut members[1..] {
            assert_eq!(m.join(&welcome, Some(&tree)).unwrap(), group);
        }
    }
    (group, members)
}

fn exported(m: &mut Member, group: &[u8]) -> Vec<u8> {
    m.export_secret(group, "test", b"", 32).unwrap().to_vec()
}

/// Everyone's exporter secret and epoch agree.
fn agree(group: &[u8], members: &mut [Member]) {
    let first = (
        members[0].epoch(group).unwrap(),
        exported(&mut members[0], group),
    );
    for m in members.iter_mut().skip(1) {
        assert_eq!((m.epoch(group).unwrap(), exported(m, group)), first);
    }
}

#[test]
fn groups_of_two_three_and_fifty_on_every_offered_suite() {
    for suite in suites::SUPPORTED {
        for n in [2, 3, 50] {
            let (group, mut members) = group_of(suite, n);
            agree(&group, &mut members);
            assert_eq!(members[n - 1].members(&group).unwrap().len(), n);
            let sealed = members[n - 1]
                .encrypt(&group, b"to everyone", b"header")
                .unwrap();
            for m in &mut members[..n - 1] {
                match m.process(&group, &sealed).unwrap() {
                    Received::Application {
                        sender,
                        plaintext,
                        aad,
                    } => {
                        assert_eq!(
                            (sender, plaintext, aad),
                            (
                                format!("m{}", n - 1).into_bytes(),
                                b"to everyone".to_vec(),
                                b"header".to_vec()
                            ),
                            "{suite:?} n={n}"
                        );
                    }
                    other => panic!("{suite:?}: {other:?}"),
                }
            }
        }
    }
}

#[test]
fn adds_removes_and_updates_keep_everyone_in_step_and_lock_out_the_removed() {
    let (group, mut m) = group_of(XWING, 3);
    // m1 updates its leaf.
    let update = m[1].self_update(&group).unwrap();
    m[1].confirm_commit(&group).unwrap();
    for i in [0, 2] {
        assert!(matches!(
            m[i].process(&group, &update.commit).unwrap(),
            Received::Commit { epoch: 2, .. }
        ));
    }
    agree(&group, &mut m);

    // m0 adds d.
    let mut d = member(XWING, "d");
    let added = m[0]
        .add_members(&group, &[d.key_package(false).unwrap()])
        .unwrap();
    m[0].confirm_commit(&group).unwrap();
    for i in [1, 2] {
        match m[i].process(&group, &added.commit).unwrap() {
            Received::Commit {
                sender,
                added,
                removed,
                removed_self,
                ..
            } => {
                assert_eq!(
                    (sender, added, removed, removed_self),
                    (b"m0".to_vec(), vec![b"d".to_vec()], vec![], false)
                );
            }
            other => panic!("{other:?}"),
        }
    }
    d.join(
        added.welcome.as_deref().unwrap(),
        added.ratchet_tree.as_deref(),
    )
    .unwrap();
    m.push(d);
    agree(&group, &mut m);

    // m2 removes m1.
    let removal = m[2].remove_members(&group, &[b"m1".to_vec()]).unwrap();
    m[2].confirm_commit(&group).unwrap();
    for i in [0, 3] {
        assert!(
            matches!(m[i].process(&group, &removal.commit).unwrap(), Received::Commit { ref removed, removed_self: false, .. } if removed == &vec![b"m1".to_vec()])
        );
    }
    assert!(matches!(
        m[1].process(&group, &removal.commit).unwrap(),
        Received::Commit {
            removed_self: true,
            ..
        }
    ));
    assert!(!m[1].is_active(&group).unwrap());
    let secret = m[0].encrypt(&group, b"after m1 left", b"").unwrap();
    assert_eq!(
        text(m[3].process(&group, &secret).unwrap()),
        "after m1 left"
    );
    assert_eq!(code(m[1].process(&group, &secret)), GroupCode::Removed);
    assert_eq!(
        code(m[1].encrypt(&group, b"still here?", b"")),
        GroupCode::Removed
    );
    assert_eq!(
        code(m[1].export_secret(&group, "x", b"", 32)),
        GroupCode::Removed
    );
    let mut rest: Vec<Member> = m
        .into_iter()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, x)| x)
        .collect();
    agree(&group, &mut rest);
}

#[test]
fn concurrent_commits_one_wins_the_other_is_discarded_and_retried() {
    let (group, mut m) = group_of(XWING, 3);
    let a = m[0].self_update(&group).unwrap();
    let b = m[1].self_update(&group).unwrap();
    // The delivery service takes a's commit for epoch 1 and refuses b's.
    m[0].confirm_commit(&group).unwrap();
    assert_eq!(
        code(m[1].encrypt(&group, b"busy", b"")),
        GroupCode::PendingCommit
    );
    m[1].discard_commit(&group).unwrap();
    assert_eq!(
        code(m[1].discard_commit(&group)),
        GroupCode::NoPendingCommit
    );
    m[1].process(&group, &a.commit).unwrap();
    m[2].process(&group, &a.commit).unwrap();
    // b's refused commit, should it arrive anyway, is for an epoch that is gone.
    assert_eq!(code(m[2].process(&group, &b.commit)), GroupCode::WrongEpoch);
    // m1 retries on the new epoch, and this time it is taken.
    let retry = m[1].self_update(&group).unwrap();
    m[1].confirm_commit(&group).unwrap();
    m[0].process(&group, &retry.commit).unwrap();
    m[2].process(&group, &retry.commit).unwrap();
    agree(&group, &mut m);
    assert_eq!(m[0].epoch(&group).unwrap(), 3);
}

#[test]
fn application_messages_out_of_order_within_an_epoch_and_late_after_a_commit() {
    let (group, mut m) = group_of(XWING, 2);
    let sent: Vec<Vec<u8>> = (0..5)
        .map(|i| {
            m[0].encrypt(&group, format!("m{i}").as_bytes(), b"")
                .unwrap()
        })
        .collect();
    for i in [4, 2, 0, 3, 1] {
        assert_eq!(
            text(m[1].process(&group, &sent[i]).unwrap()),
            format!("m{i}")
        );
    }
    // One sent before a commit and read after it: by default the old epoch's keys are gone.
    let late = m[0].encrypt(&group, b"late", b"").unwrap();
    let update = m[0].self_update(&group).unwrap();
    m[0].confirm_commit(&group).unwrap();
    m[1].process(&group, &update.commit).unwrap();
    refused_without_change(&group, &mut m, &late, GroupCode::WrongEpoch);
    // Beyond the window: older than OUT_OF_ORDER_TOLERANCE behind the newest read, or
    // further than MAXIMUM_FORWARD_DISTANCE ahead.
    let burst: Vec<Vec<u8>> = (0..=pqwire_mls::OUT_OF_ORDER_TOLERANCE + 1)
        .map(|i| {
            m[0].encrypt(&group, format!("b{i}").as_bytes(), b"")
                .unwrap()
        })
        .collect();
    m[1].process(&group, burst.last().unwrap()).unwrap();
    assert_eq!(code(m[1].process(&group, &burst[0])), GroupCode::Stale);
    assert_eq!(text(m[1].process(&group, &burst[2]).unwrap()), "b2");
    let far: Vec<Vec<u8>> = (0..=pqwire_mls::MAXIMUM_FORWARD_DISTANCE + 1)
        .map(|_| m[0].encrypt(&group, b"far", b"").unwrap())
        .collect();
    assert_eq!(
        code(m[1].process(&group, far.last().unwrap())),
        GroupCode::TooManySkipped
    );
    assert_eq!(text(m[1].process(&group, &far[0]).unwrap()), "far");
}

#[test]
fn a_member_that_keeps_past_epochs_reads_late_messages_up_to_that_many_epochs_back() {
    let make =
        |name: &str| Member::with_past_epochs(XWING, &identity(), name.as_bytes(), 2).unwrap();
    let (group, mut m) = group_from(vec![make("m0"), make("m1")]);
    assert_eq!(m[1].past_epochs(), 2);
    let late: Vec<Vec<u8>> = (0..3)
        .map(|i| {
            let sealed = m[0]
                .encrypt(&group, format!("late{i}").as_bytes(), b"")
                .unwrap();
            let update = m[0].self_update(&group).unwrap();
            m[0].confirm_commit(&group).unwrap();
            m[1].process(&group, &update.commit).unwrap();
            sealed
        })
        .collect();
    // Sent one and two epochs back: read. Three back: gone.
    assert_eq!(text(m[1].process(&group, &late[2]).unwrap()), "late2");
    assert_eq!(text(m[1].process(&group, &late[1]).unwrap()), "late1");
    refused_without_change(&group, &mut m, &late[0], GroupCode::WrongEpoch);
    // The setting survives a record, and has a ceiling.
    let back = Member::from_record(&m[1].to_record().unwrap()).unwrap();
    assert_eq!(back.past_epochs(), 2);
    assert_eq!(
        code(Member::with_past_epochs(
            XWING,
            &identity(),
            b"x",
            pqwire_mls::MAX_PAST_EPOCHS + 1
        )),
        GroupCode::Invalid
    );
}

/// `refuse` must fail with `expected` and leave `m[1]` exactly as it was.
fn refused_without_change(group: &[u8], m: &mut [Member], bytes: &[u8], expected: GroupCode) {
    let before = (
        m[1].epoch(group).unwrap(),
        exported(&mut m[1], group),
        m[1].to_record().unwrap(),
    );
    assert_eq!(code(m[1].process(group, bytes)), expected);
    let after = (
        m[1].epoch(group).unwrap(),
        exported(&mut m[1], group),
        m[1].to_record().unwrap(),
    );
    assert_eq!(before.0, after.0);
    assert_eq!(before.1, after.1);
    assert_eq!(*before.2, *after.2, "the stored state changed");
}

#[test]
fn bad_messages_are_refused_with_a_code_and_change_nothing() {
    let (group, mut m) = group_of(XWING, 3);
    let sealed = m[0].encrypt(&group, b"first", b"").unwrap();

    refused_without_change(&group, &mut m, b"not mls", GroupCode::Malformed);
    refused_without_change(
        &group,
        &mut m,
        &sealed[..sealed.len() - 1],
        GroupCode::Malformed,
    );
    let mut tampered = sealed.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    refused_without_change(&group, &mut m, &tampered, GroupCode::AuthFailed);

    // A commit whose bytes were changed: refused, nothing applied.
    let update = m[0].self_update(&group).unwrap();
    m[0].confirm_commit(&group).unwrap();
    let mut bad_commit = update.commit.clone();
    let at = bad_commit.len() - 10;
    bad_commit[at] ^= 1;
    let refused = code(m[1].process(&group, &bad_commit));
    assert!(
        matches!(refused, GroupCode::AuthFailed | GroupCode::Invalid),
        "{refused:?}"
    );
    assert_eq!(m[1].epoch(&group).unwrap(), 1);

    // The good ones still work afterwards, and the first message only once.
    assert_eq!(text(m[1].process(&group, &sealed).unwrap()), "first");
    refused_without_change(&group, &mut m, &sealed, GroupCode::Replayed);
    m[1].process(&group, &update.commit).unwrap();
    assert_eq!(m[1].epoch(&group).unwrap(), 2);
    // A commit processed twice is for an epoch that is gone.
    refused_without_change(&group, &mut m, &update.commit, GroupCode::WrongEpoch);
}

#[test]
fn messages_of_another_group_or_from_too_old_an_epoch_are_refused() {
    let (group, mut m) = group_of(XWING, 2);
    let (other_group, mut other) = group_of(XWING, 2);
    let foreign = other[0].encrypt(&other_group, b"elsewhere", b"").unwrap();
    assert_eq!(code(m[1].process(&group, &foreign)), GroupCode::Malformed);
    assert_eq!(
        code(m[1].process(b"no such group", &foreign)),
        GroupCode::UnknownGroup
    );

    let stale = m[0].encrypt(&group, b"old", b"").unwrap();
    for _ in 0..3 {
        let update = m[0].self_update(&group).unwrap();
        m[0].confirm_commit(&group).unwrap();
        m[1].process(&group, &update.commit).unwrap();
    }
    let e = m[1].process(&group, &stale).unwrap_err();
    assert_eq!(e.code, GroupCode::WrongEpoch, "{e}");
}

#[test]
fn refusals_of_the_operations_themselves() {
    let (group, mut m) = group_of(XWING, 2);
    assert_eq!(
        code(m[0].remove_members(&group, &[b"nobody".to_vec()])),
        GroupCode::UnknownMember
    );
    assert_eq!(
        code(m[0].confirm_commit(&group)),
        GroupCode::NoPendingCommit
    );
    assert_eq!(code(m[0].epoch(b"unknown")), GroupCode::UnknownGroup);
    let mut classical = member(
        Ciphersuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
        "c",
    );
    assert_eq!(
        code(m[0].add_members(&group, &[classical.key_package(false).unwrap()])),
        GroupCode::Unsupported
    );
    assert_eq!(
        code(m[0].add_members(&group, &[b"junk".to_vec()])),
        GroupCode::Malformed
    );
    assert_eq!(code(m[0].join(b"junk", None)), GroupCode::Malformed);
    // A welcome for someone else.
    let mut d = member(XWING, "d");
    let mut e = member(XWING, "e");
    let added = m[0]
        .add_members(&group, &[d.key_package(false).unwrap()])
        .unwrap();
    assert_eq!(
        code(e.join(
            added.welcome.as_deref().unwrap(),
            added.ratchet_tree.as_deref()
        )),
        GroupCode::UnknownMember
    );
    // The welcome without its tree, with a damaged tree, with another group's tree: refused,
    // and the invitee can still join with the right one.
    let welcome = added.welcome.as_deref().unwrap();
    let tree = added.ratchet_tree.as_deref().unwrap();
    let other_tree = {
        let (mut o, mut f) = (member(XWING, "o"), member(XWING, "f"));
        let g = o.create_group().unwrap();
        o.add_members(&g, &[f.key_package(false).unwrap()])
            .unwrap()
            .ratchet_tree
            .unwrap()
    };
    let record = d.to_record().unwrap();
    assert_eq!(code(d.join(welcome, None)), GroupCode::Invalid);
    assert_eq!(
        code(d.join(welcome, Some(&tree[..tree.len() - 1]))),
        GroupCode::Malformed
    );
    assert_eq!(code(d.join(welcome, Some(&other_tree))), GroupCode::Invalid);
    assert_eq!(*d.to_record().unwrap(), *record);
    d.join(welcome, Some(tree)).unwrap();
    assert_eq!(
        code(Member::new(
            Ciphersuite::MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448,
            &identity(),
            b"x"
        )),
        GroupCode::Unsupported
    );
    let _ = &mut d;
}

#[test]
fn state_written_mid_conversation_reads_back_and_carries_on() {
    let (group, mut m) = group_of(Ciphersuite::MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65, 3);
    let first = m[0].encrypt(&group, b"before", b"").unwrap();
    assert_eq!(text(m[1].process(&group, &first).unwrap()), "before");

    let record = m[1].to_record().unwrap();
    let mut restored = Member::from_record(&record).unwrap();
    assert_eq!(restored.name(), b"m1");
    assert_eq!(restored.credential_bytes(), m[1].credential_bytes());
    assert_eq!(restored.signature_key(), m[1].signature_key());
    assert_eq!(exported(&mut restored, &group), exported(&mut m[1], &group));
    m[1] = restored;

    let update = m[1].self_update(&group).unwrap();
    m[1].confirm_commit(&group).unwrap();
    m[0].process(&group, &update.commit).unwrap();
    m[2].process(&group, &update.commit).unwrap();
    let reply = m[1].encrypt(&group, b"after", b"").unwrap();
    assert_eq!(text(m[0].process(&group, &reply).unwrap()), "after");
    agree(&group, &mut m);

    // Damaged records are refused.
    let mut damaged = record.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 1;
    assert_eq!(code(Member::from_record(&damaged)), GroupCode::BadRecord);
    assert_eq!(
        code(Member::from_record(&record[..record.len() - 1])),
        GroupCode::BadRecord
    );
    assert_eq!(code(Member::from_record(b"")), GroupCode::BadRecord);
}

/// A member saved as a record, then as change sets after every operation, reads back to the
/// same state as the live one; a change set is small next to the record for a message.
#[test]
fn a_record_and_its_change_sets_read_back_to_the_live_state() {
    let (group, mut m) = group_of(XWING, 20);
    let record = m[1].to_record().unwrap();
    m[1].mark_saved();
    assert!(m[1].unsaved_changes().unwrap().is_none());
    let mut changes = Vec::new();
    let save = |x: &mut Member, changes: &mut Vec<Vec<u8>>| {
        changes.push(x.unsaved_changes().unwrap().unwrap().to_vec());
        x.mark_saved();
    };

    // Received and sent messages, a commit of another member, a commit of its own.
    let hello = m[0].encrypt(&group, b"hello", b"").unwrap();
    assert_eq!(text(m[1].process(&group, &hello).unwrap()), "hello");
    save(&mut m[1], &mut changes);
    let reply = m[1].encrypt(&group, b"reply", b"").unwrap();
    save(&mut m[1], &mut changes);
    assert_eq!(text(m[0].process(&group, &reply).unwrap()), "reply");
    let message_change = changes[1].len();
    assert!(
        message_change * 10 < record.len(),
        "a message's change set ({message_change} B) is not small next to the record ({} B)",
        record.len()
    );
    let removal = m[0].remove_members(&group, &[b"m19".to_vec()]).unwrap();
    m[0].confirm_commit(&group).unwrap();
    m[1].process(&group, &removal.commit).unwrap();
    save(&mut m[1], &mut changes);
    let update = m[1].self_update(&group).unwrap();
    save(&mut m[1], &mut changes);
    m[1].confirm_commit(&group).unwrap();
    save(&mut m[1], &mut changes);
    m[0].process(&group, &update.commit).unwrap();

    let mut restored = Member::from_record(&record).unwrap();
    for c in &changes {
        restored.apply_changes(c).unwrap();
    }
    assert_eq!(restored.epoch(&group).unwrap(), m[1].epoch(&group).unwrap());
    assert_eq!(
        restored.members(&group).unwrap(),
        m[1].members(&group).unwrap()
    );
    assert_eq!(exported(&mut restored, &group), exported(&mut m[1], &group));
    let later = m[0].encrypt(&group, b"later", b"").unwrap();
    assert_eq!(text(restored.process(&group, &later).unwrap()), "later");
}

#[test]
fn unsaved_changes_can_be_undone() {
    let (group, mut m) = group_of(XWING, 3);
    m[1].mark_saved();
    let before = exported(&mut m[1], &group);
    let update = m[0].self_update(&group).unwrap();
    m[0].confirm_commit(&group).unwrap();
    m[1].process(&group, &update.commit).unwrap();
    let other_group = m[1].create_group().unwrap();
    assert_eq!(m[1].epoch(&group).unwrap(), 2);

    m[1].revert_unsaved().unwrap();
    assert!(m[1].unsaved_changes().unwrap().is_none());
    assert_eq!(m[1].epoch(&group).unwrap(), 1);
    assert_eq!(exported(&mut m[1], &group), before);
    assert_eq!(code(m[1].epoch(&other_group)), GroupCode::UnknownGroup);
    // The commit can be processed again, as if it had never arrived.
    m[1].process(&group, &update.commit).unwrap();
    m[2].process(&group, &update.commit).unwrap();
    agree(&group, &mut m);
}

#[test]
fn change_sets_that_are_not_this_members_are_refused_and_change_nothing() {
    let (group, mut m) = group_of(XWING, 3);
    m[1].mark_saved();
    m[2].mark_saved();
    let update = m[0].self_update(&group).unwrap();
    m[0].confirm_commit(&group).unwrap();
    m[2].process(&group, &update.commit).unwrap();
    let theirs = m[2].unsaved_changes().unwrap().unwrap();

    // Another member's change set, a damaged one, a cut one, a group-member record.
    let mut damaged = theirs.to_vec();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 1;
    let record = m[1].to_record().unwrap();
    for bad in [
        &theirs[..],
        &damaged[..],
        &theirs[..theirs.len() - 1],
        &record[..],
        b"",
    ] {
        assert_eq!(code(m[1].apply_changes(bad)), GroupCode::BadRecord);
        assert_eq!(m[1].epoch(&group).unwrap(), 1);
    }
    m[1].process(&group, &update.commit).unwrap();
    agree(&group, &mut m);
}

#[test]
fn a_last_resort_key_package_adds_its_member_to_two_groups() {
    let (mut alice, mut bob) = (member(XWING, "alice"), member(XWING, "bob"));
    let last_resort = bob.key_package(true).unwrap();
    for _ in 0..2 {
        let group = alice.create_group().unwrap();
        let added = alice
            .add_members(&group, std::slice::from_ref(&last_resort))
            .unwrap();
        alice.confirm_commit(&group).unwrap();
        assert_eq!(
            bob.join(
                added.welcome.as_deref().unwrap(),
                added.ratchet_tree.as_deref()
            )
            .unwrap(),
            group
        );
    }
}

#[test]
fn the_codes_are_distinct_and_stable() {
    let codes: Vec<&str> = GroupCode::ALL.iter().map(|c| c.as_str()).collect();
    let mut unique = codes.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), codes.len());
    assert!(codes.contains(&"GROUP_WRONG_EPOCH") && codes.contains(&"AUTH_FAILED"));
}
