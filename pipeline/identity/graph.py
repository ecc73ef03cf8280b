"""Pages and papers joined by the evidence that ties them, remembering why each tie was made."""

from __future__ import annotations

from dataclasses import dataclass, field

Node = tuple[str, int]  # ("page", index) or ("paper", index)


@dataclass
class Graph:
    """Union-find over nodes, with the reasons for every tie a node took part in."""

    parent: dict[Node, Node] = field(default_factory=dict)
    reasons: dict[Node, list[str]] = field(default_factory=dict)

    def find(self, node: Node) -> Node:
        root = self.parent.setdefault(node, node)
        while root != self.parent[root]:
            self.parent[root] = self.parent[self.parent[root]]
            root = self.parent[root]
        return root

    def tie(self, one: Node, other: Node, reason_for_one: str, reason_for_other: str) -> None:
        self.parent[self.find(one)] = self.find(other)
        self.reasons.setdefault(one, []).append(reason_for_one)
        self.reasons.setdefault(other, []).append(reason_for_other)

    def groups(self, nodes: list[Node]) -> list[list[Node]]:
        """The nodes grouped by what ties them, in the order they were given."""
        by_root: dict[Node, list[Node]] = {}
        for node in nodes:
            by_root.setdefault(self.find(node), []).append(node)
        return list(by_root.values())
