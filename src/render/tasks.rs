//! Task templates: a `CronJob` per agent for a scheduled task, a `Job`
//! named after its content for a run-once task.

use k8s_openapi::api::batch::v1::{CronJob, CronJobSpec, Job, JobSpec, JobTemplateSpec};
use k8s_openapi::api::core::v1::{Container, PodSpec, PodTemplateSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use sha2::{Digest, Sha256};

use super::meta::{Owner, labels, object_meta};
use super::pod;
use crate::office::{Office, Task};
use crate::registry::Resources;

/// The CronJob controller appends 11 characters to the name of each Job
/// it creates, and Job names must fit a 63-character label value.
pub(super) const MAX_CRONJOB_NAME: usize = 52;
/// A Job's name is copied into the `job-name` label of its pods.
pub(super) const MAX_JOB_NAME: usize = 63;
/// Hex digits of the content hash in a run-once Job's name.
const CONTENT_HASH_DIGITS: usize = 10;
/// Hex digits of the identity hash in a CronJob's name.
const IDENTITY_HASH_DIGITS: usize = 6;

fn owner(task: &Task) -> Owner<'_> {
    Owner {
        agent: Some(&task.agent),
        integration: Some(&task.integration.id),
        instance: task.instance.as_deref(),
        component: Some("task"),
    }
}

/// `task-<agent>-<integration>[-<instance>]-<template>`, before fitting.
fn base_name(task: &Task) -> String {
    let mut name = format!("task-{}-{}", task.agent, task.integration.id);
    if let Some(instance) = &task.instance {
        name.push('-');
        name.push_str(instance);
    }
    name.push('-');
    name.push_str(&task.template);
    name
}

/// Shortens `name` to at most `max` characters by cutting it and adding
/// a hash of the whole name, so two long names stay distinct. The result
/// stays a DNS label.
pub(super) fn fit_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_string();
    }
    let hash = format!("{:x}", Sha256::digest(name.as_bytes()));
    let keep = max - 9;
    let prefix = name[..keep].trim_end_matches('-');
    format!("{prefix}-{}", &hash[..8])
}

/// Returns the CronJob name: the readable base, cut to fit, and a hash of
/// the task's identity. Ids and labels may contain `-`, so two different
/// tasks can share a base, such as agent `ops` with `slack-digest` and
/// agent `ops-slack` with `digest`. The hash keeps their names apart.
pub(super) fn cronjob_name(task: &Task) -> String {
    let identity = format!(
        "{}\0{}\0{}\0{}",
        task.agent,
        task.integration.id,
        task.instance.as_deref().unwrap_or_default(),
        task.template
    );
    let hash = format!("{:x}", Sha256::digest(identity.as_bytes()));
    let base = base_name(task);
    let keep = MAX_CRONJOB_NAME - IDENTITY_HASH_DIGITS - 1;
    let base = if base.len() > keep {
        base[..keep].trim_end_matches('-')
    } else {
        base.as_str()
    };
    format!("{base}-{}", &hash[..IDENTITY_HASH_DIGITS])
}

fn task_resources() -> Resources {
    Resources::new(
        [("cpu", "50m"), ("memory", "64Mi")],
        [("cpu", "500m"), ("memory", "256Mi")],
    )
}

fn pod_template(office: &Office, task: &Task, runner_image: &str) -> PodTemplateSpec {
    let mut env = vec![
        ("TASK_AGENT", task.agent.clone()),
        ("TASK_INTEGRATION", task.integration.id.clone()),
        ("TASK_NAME", task.template.clone()),
        ("TASK_OFFICE", office.id.clone()),
        ("TASK_PROMPT", task.prompt.clone()),
        ("TASK_TITLE", task.title.clone()),
    ];
    if let Some(instance) = &task.instance {
        env.push(("TASK_INSTANCE", instance.clone()));
    }
    env.sort();
    PodTemplateSpec {
        metadata: Some(ObjectMeta {
            labels: Some(labels(office, owner(task))),
            ..ObjectMeta::default()
        }),
        spec: Some(PodSpec {
            restart_policy: Some("Never".to_string()),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            security_context: Some(pod::pod_security_context()),
            containers: vec![Container {
                name: "task".to_string(),
                image: Some(runner_image.to_string()),
                env: Some(
                    env.into_iter()
                        .map(|(name, value)| pod::plain_env(name, &value))
                        .collect(),
                ),
                resources: Some(pod::resources(&task_resources())),
                security_context: Some(pod::container_security_context()),
                ..Container::default()
            }],
            ..PodSpec::default()
        }),
    }
}

fn job_spec(office: &Office, task: &Task, runner_image: &str) -> JobSpec {
    JobSpec {
        backoff_limit: Some(3),
        template: pod_template(office, task, runner_image),
        ..JobSpec::default()
    }
}

/// Renders the CronJob of a scheduled task. Overlapping runs are forbidden, and
/// the zone goes in `timeZone`, never as a `CRON_TZ=` prefix.
pub(super) fn cronjob(office: &Office, task: &Task, runner_image: &str) -> CronJob {
    CronJob {
        metadata: object_meta(office, &cronjob_name(task), owner(task)),
        spec: Some(CronJobSpec {
            schedule: task.schedule.clone().unwrap_or_default(),
            time_zone: task.timezone.clone(),
            concurrency_policy: Some("Forbid".to_string()),
            successful_jobs_history_limit: Some(3),
            failed_jobs_history_limit: Some(1),
            job_template: JobTemplateSpec {
                metadata: Some(ObjectMeta {
                    labels: Some(labels(office, owner(task))),
                    ..ObjectMeta::default()
                }),
                spec: Some(job_spec(office, task, runner_image)),
            },
            ..CronJobSpec::default()
        }),
        ..CronJob::default()
    }
}

/// Renders the Job of a run-once task, named with a hash of its content: an
/// unchanged task keeps its name, so Argo CD or Flux leave the finished
/// Job alone, and a changed one gets a new Job. It sets no
/// `ttlSecondsAfterFinished`, because a GitOps tool would re-create a
/// Job that was cleaned up and run it again.
pub(super) fn job(office: &Office, task: &Task, runner_image: &str) -> Job {
    let spec = job_spec(office, task, runner_image);
    let content = serde_json::to_vec(&spec).unwrap_or_default();
    let hash = format!("{:x}", Sha256::digest(&content));
    let base = fit_name(&base_name(task), MAX_JOB_NAME - CONTENT_HASH_DIGITS - 1);
    let name = format!("{base}-{}", &hash[..CONTENT_HASH_DIGITS]);
    Job {
        metadata: object_meta(office, &name, owner(task)),
        spec: Some(spec),
        ..Job::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::check_dns_label;

    #[test]
    fn short_names_are_kept() {
        assert_eq!(fit_name("task-a-b-c", 52), "task-a-b-c");
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = format!("task-{}-github-weekly", "a".repeat(60));
        let fitted = fit_name(&long, MAX_CRONJOB_NAME);
        assert_eq!(fitted.len(), MAX_CRONJOB_NAME);
        assert!(check_dns_label(&fitted).is_ok(), "{fitted}");
    }

    #[test]
    fn cut_names_stay_distinct() {
        let first = format!("task-{}-one", "a".repeat(60));
        let second = format!("task-{}-two", "a".repeat(60));
        assert_ne!(fit_name(&first, 52), fit_name(&second, 52));
    }

    #[test]
    fn cut_never_ends_in_a_hyphen_before_the_hash() {
        let name = format!("task-{}-{}", "a".repeat(37), "b".repeat(30));
        let fitted = fit_name(&name, 52);
        assert!(!fitted.contains("--"), "{fitted}");
        assert!(check_dns_label(&fitted).is_ok(), "{fitted}");
    }
}
