//! Config reload (SIGHUP and POST /v1/admin/reload): the file is read and checked first, and
//! only a valid one is applied. Tokens, accounts, policies and routes are swapped in one step
//! (a request sees the old set or the new, never a mix); carriers whose bind settings did not
//! change keep their binds up; changed ones are restarted, removed ones unbound. `[api]`,
//! `[admin]`, `[store]` and `[log]` are bound at start-up: a change there is reported as needing a
//! restart and otherwise ignored.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use arc_swap::ArcSwap;
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};
use tracing::{info, warn};

use crate::api::{Admin, AdminFuture, Live};
use crate::carrier::{Carrier, Inbound};
use crate::config::{CarrierSettings, Config};
use crate::dispatch::Dispatcher;
use crate::ingest::TokenBook;
use crate::store::Outbox;
use crate::webhook::{BatchLimits, Webhooks};

/// The running carriers, by name, with the settings they were started with.
pub(super) type Carriers = HashMap<String, (CarrierSettings, Arc<Carrier>)>;

/// Applies reloads to the running daemon.
#[derive(Debug)]
pub(super) struct Control {
    pub(super) path: PathBuf,
    pub(super) live: Arc<ArcSwap<Live>>,
    pub(super) carriers: Mutex<Carriers>,
    pub(super) dispatcher: Arc<Dispatcher>,
    pub(super) inbound: mpsc::Sender<Inbound>,
    pub(super) outbox: Outbox,
    pub(super) hooks: Arc<ArcSwap<Webhooks>>,
    /// The same carriers as `carriers`, for readers that must not wait for a reload's lock
    /// (the admin listener, the sampler).
    pub(super) running: super::ops::Running,
    /// Each bind's submits/s, measured by the sampler.
    pub(super) rates: crate::api::SubmitRates,
}

/// One sender task per account, each on its own webhook, reading from the store.
pub(super) fn spawn_webhooks(config: &Config, outbox: &Outbox) -> Result<Webhooks, String> {
    let accounts = config
        .accounts
        .iter()
        .map(|a| (a.id.clone(), a.webhook.clone()))
        .collect();
    Webhooks::spawn(accounts, Arc::new(outbox.clone()), BatchLimits::default())
        .map_err(|e| e.to_string())
}

impl Control {
    /// Reads, checks and applies the config file.
    pub(super) async fn apply(&self) -> Result<Value, Vec<String>> {
        let config = Config::load(&self.path).map_err(|errors| {
            errors
                .errors()
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
        })?;
        // One reload at a time: the carriers lock is held throughout.
        let mut carriers = self.carriers.lock().await;
        let old = self.live.load_full();
        let old_config = old.acceptor.config().clone();
        let mut restart_needed = Vec::new();
        if config.api != old_config.api {
            restart_needed.push("api");
        }
        if config.admin != old_config.admin {
            restart_needed.push("admin");
        }
        if config.store != old_config.store {
            restart_needed.push("store");
        }
        if config.log != old_config.log {
            restart_needed.push("log");
        }

        // Start what is new or changed before touching the running set, so a carrier that
        // cannot start leaves everything as it was.
        let mut fresh: HashMap<String, Arc<Carrier>> = HashMap::new();
        for settings in &config.carriers {
            let name = &settings.carrier.name;
            if carriers
                .get(name)
                .is_some_and(|(was, _)| was.carrier == settings.carrier)
            {
                continue;
            }
            match Carrier::start(settings.carrier.clone(), self.inbound.clone()) {
                Ok(c) => {
                    fresh.insert(name.clone(), Arc::new(c));
                }
                Err(e) => {
                    for (_, c) in fresh {
                        tokio::spawn(async move { c.shutdown().await });
                    }
                    return Err(vec![format!("carrier {name}: {e}")]);
                }
            }
        }
        let (mut kept, mut started, mut restarted) = (Vec::new(), Vec::new(), Vec::new());
        let mut retired = Vec::new();
        let mut next: Carriers = HashMap::new();
        for settings in &config.carriers {
            let name = settings.carrier.name.clone();
            let old = carriers.remove(&name);
            let carrier = match (fresh.remove(&name), old) {
                (Some(new), Some((_, was))) => {
                    retired.push(was);
                    restarted.push(name.clone());
                    new
                }
                (Some(new), None) => {
                    started.push(name.clone());
                    new
                }
                (None, Some((_, was))) => {
                    kept.push(name.clone());
                    was
                }
                (None, None) => continue,
            };
            next.insert(name, (settings.clone(), carrier));
        }
        let stopped: Vec<String> = carriers.keys().cloned().collect();
        retired.extend(carriers.drain().map(|(_, (_, c))| c));

        self.dispatcher.set_carriers(
            config
                .carriers
                .iter()
                .filter_map(|s| next.get(&s.carrier.name).map(|(_, c)| (c.clone(), s)))
                .collect(),
        );
        let config = Arc::new(config);
        let hooks_changed = config
            .accounts
            .iter()
            .map(|a| (&a.id, &a.webhook))
            .ne(old_config.accounts.iter().map(|a| (&a.id, &a.webhook)));
        if hooks_changed {
            // New senders first; the old ones finish the POST in progress, and whatever they
            // had not sent is read again from the store by the new ones.
            let fresh = spawn_webhooks(&config, &self.outbox).map_err(|e| vec![e])?;
            let old_hooks = self.hooks.swap(Arc::new(fresh));
            tokio::spawn(async move { old_hooks.shutdown().await });
        }
        self.live.store(Arc::new(Live {
            tokens: TokenBook::from_config(&config),
            acceptor: old.acceptor.reloaded(config.clone()),
        }));
        self.running.store(Arc::new(
            next.values().map(|(_, c)| c.clone()).collect::<Vec<_>>(),
        ));
        *carriers = next;
        drop(carriers);
        for carrier in retired {
            // Submits in flight there come back as not sent and are retried elsewhere.
            tokio::spawn(async move { carrier.shutdown().await });
        }
        for part in &restart_needed {
            warn!(
                section = part,
                "this section changed; it takes effect after a restart"
            );
        }
        info!(
            kept = kept.len(),
            started = started.len(),
            restarted = restarted.len(),
            stopped = stopped.len(),
            accounts = config.accounts.len(),
            routes = config.routes.len(),
            "config reloaded"
        );
        Ok(json!({
            "reloaded": true,
            "webhooks_restarted": hooks_changed,
            "carriers": {"kept": kept, "started": started, "restarted": restarted, "stopped": stopped},
            "accounts": config.accounts.len(),
            "routes": config.routes.len(),
            "restart_needed": restart_needed,
        }))
    }
}

impl Admin for Control {
    fn reload(&self) -> AdminFuture<'_, Result<Value, Vec<String>>> {
        Box::pin(self.apply())
    }

    fn dead_letters(&self, account: &str) -> Result<Value, String> {
        let letters = self
            .outbox
            .dead_letters(account, 1000)
            .map_err(|e| e.to_string())?;
        let events: Vec<Value> = letters
            .iter()
            .filter_map(|e| serde_json::from_slice(&e.json).ok())
            .collect();
        Ok(json!({ "account": account, "events": events }))
    }

    fn replay(&self, account: String) -> AdminFuture<'_, Result<usize, String>> {
        Box::pin(async move {
            let n = self
                .outbox
                .replay(&account)
                .await
                .map_err(|e| e.to_string())?;
            self.hooks.load().wake(&account);
            Ok(n)
        })
    }

    fn carriers(&self) -> Value {
        let snapshots: Vec<_> = self.running.load().iter().map(|c| c.snapshot()).collect();
        crate::api::carriers_json(&snapshots, &self.rates.load())
    }

    fn unmatched(&self) -> Result<Value, String> {
        let kept = self.outbox.unmatched(1000).map_err(|e| e.to_string())?;
        Ok(json!({ "unmatched": kept }))
    }
}
