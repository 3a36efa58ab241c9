//! Routing: the destination's E.164 digits → the route whose prefix is the longest match
//! (`+` alone is the default route). The configured routes are compiled into a digit trie, so a
//! lookup walks at most 15 nodes whatever the number of routes.
//!
//! A route written as `country = "XX"` whose calling code is the country's own is just that
//! prefix. One whose calling code is shared (`US`, `CA` and `BS` are all +1; `GG` and `GB` are
//! +44) matches the numbers that numbering-plan data places in that country, and ranks as a
//! prefix a little longer than its calling code: it wins over `+1`, and loses to `+1242`.

use std::sync::Arc;

use std::collections::HashMap;

use crate::config::{Country, Route};

/// Where a matched route sends traffic.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteEntry {
    /// The prefix as configured (`+34`, `+`).
    pub prefix: Arc<str>,
    /// Carriers in failover order.
    pub carriers: Vec<Arc<str>>,
    /// Shares of traffic per carrier, when the route splits instead of failing over.
    pub weights: Option<Vec<u32>>,
}

impl RouteEntry {
    /// The carriers to try, in order. With weights, the first is drawn in proportion to them
    /// (`draw` is uniform in 0..total, the caller's randomness) and the rest follow in their
    /// configured order as failover.
    pub fn order(&self, draw: u64) -> Vec<Arc<str>> {
        let Some(weights) = &self.weights else {
            return self.carriers.clone();
        };
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut point = draw % total.max(1);
        let mut first = 0;
        for (i, &w) in weights.iter().enumerate() {
            if point < u64::from(w) {
                first = i;
                break;
            }
            point -= u64::from(w);
        }
        let mut out = Vec::with_capacity(self.carriers.len());
        out.push(self.carriers[first].clone());
        out.extend(
            self.carriers
                .iter()
                .enumerate()
                .filter(|&(i, _)| i != first)
                .map(|(_, c)| c.clone()),
        );
        out
    }

    /// Sum of the weights (the range of `draw`), or 1 without weights.
    pub fn total_weight(&self) -> u64 {
        self.weights
            .as_ref()
            .map_or(1, |w| w.iter().map(|&x| u64::from(x)).sum())
    }
}

#[derive(Clone, Debug, Default)]
struct Node {
    children: [Option<u32>; 10],
    route: Option<u32>,
}

/// The compiled routing table.
#[derive(Clone, Debug, Default)]
pub struct RouteTable {
    nodes: Vec<Node>,
    routes: Vec<RouteEntry>,
    /// Routes of countries that share their calling code: country → (route, calling code length).
    by_country: HashMap<Country, (u32, usize)>,
}

impl RouteTable {
    /// Compiles the configured routes (validated: prefixes are unique and all digits).
    pub fn new(routes: &[Route]) -> RouteTable {
        let mut table = RouteTable {
            nodes: vec![Node::default()],
            routes: Vec::with_capacity(routes.len()),
            by_country: HashMap::new(),
        };
        for route in routes {
            let entry = RouteEntry {
                prefix: Arc::from(route.prefix.as_str()),
                carriers: route
                    .carriers
                    .iter()
                    .map(|c| Arc::from(c.as_str()))
                    .collect(),
                weights: route
                    .weights
                    .as_ref()
                    .map(|w| w.iter().map(|x| x.get()).collect()),
            };
            let index = table.routes.len() as u32;
            table.routes.push(entry);
            if let Some(country) = route.country.filter(|c| c.shares_calling_code()) {
                table
                    .by_country
                    .insert(country, (index, country.calling_code().len()));
                continue;
            }
            let mut node = 0usize;
            for d in route.prefix.digits().bytes().map(|b| usize::from(b - b'0')) {
                node = match table.nodes[node].children[d] {
                    Some(next) => next as usize,
                    None => {
                        let next = table.nodes.len();
                        table.nodes.push(Node::default());
                        table.nodes[node].children[d] = Some(next as u32);
                        next
                    }
                };
            }
            table.nodes[node].route = Some(index);
        }
        table
    }

    /// The route for a destination given as its digits (no `+`), or `None` when no prefix,
    /// not even a default route, matches.
    pub fn lookup(&self, digits: &str) -> Option<&RouteEntry> {
        self.lookup_in(digits, None)
    }

    /// The route for a destination in `country` (from numbering-plan data): the longest
    /// prefix, or the country's own route when no longer prefix matches.
    pub fn lookup_in(&self, digits: &str, country: Option<Country>) -> Option<&RouteEntry> {
        let (best, depth) = self.longest_prefix(digits);
        if let Some(&(route, code_len)) = country.and_then(|c| self.by_country.get(&c))
            && depth <= code_len
        {
            return Some(&self.routes[route as usize]);
        }
        best.map(|i| &self.routes[i as usize])
    }

    /// The route of the longest matching prefix and that prefix's length in digits.
    fn longest_prefix(&self, digits: &str) -> (Option<u32>, usize) {
        let Some(mut node) = self.nodes.first() else {
            return (None, 0);
        };
        let (mut best, mut best_depth) = (node.route, 0);
        for (depth, b) in digits.bytes().enumerate() {
            let Some(d) = b.checked_sub(b'0').filter(|d| *d < 10) else {
                break;
            };
            match node.children[usize::from(d)] {
                Some(next) => node = &self.nodes[next as usize],
                None => break,
            }
            if node.route.is_some() {
                (best, best_depth) = (node.route, depth + 1);
            }
        }
        (best, best_depth)
    }

    /// Routes in the table.
    pub fn len(&self) -> usize {
        self.routes.len()
    }

    /// Whether there are no routes.
    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }
}
