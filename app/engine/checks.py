"""Checks SpiffWorkflow's parser does not make, run on the XML before any case can reach them.

The parser accepts script syntax errors, bad conditions and timer expressions, and dangling flows
(with a misleading message). Each problem here names the element that has it.
"""
from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from . import sandbox
from .errors import Problem
from .xml import NS

_EXPRESSION_PATHS = {
    "bpmn:conditionExpression": "condition",
    "bpmn:timerEventDefinition/bpmn:timeDate": "timer date",
    "bpmn:timerEventDefinition/bpmn:timeDuration": "timer duration",
    "bpmn:timerEventDefinition/bpmn:timeCycle": "timer cycle",
    "bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality": "loop cardinality",
    "bpmn:multiInstanceLoopCharacteristics/bpmn:completionCondition": "completion condition",
    "bpmn:standardLoopCharacteristics/bpmn:loopCondition": "loop condition",
}
_SCRIPT_PATHS = {
    "bpmn:script": "script",
    "bpmn:extensionElements/spiffworkflow:preScript": "pre-script",
    "bpmn:extensionElements/spiffworkflow:postScript": "post-script",
}
_FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
    "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
}
_CHOICE_GATEWAYS = {"exclusiveGateway", "inclusiveGateway"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _scopes(root: etree._Element) -> Iterable[etree._Element]:
    """Every process and (nested) subprocess: flows connect nodes of one scope only."""
    yield from root.iter(f"{{{NS['bpmn']}}}process", f"{{{NS['bpmn']}}}subProcess",
                         f"{{{NS['bpmn']}}}transaction", f"{{{NS['bpmn']}}}adHocSubProcess")


def check_expressions(root: etree._Element) -> list[Problem]:
    """Compile every condition, timer and script under the restricted evaluator."""
    problems: list[Problem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for path, what in _EXPRESSION_PATHS.items():
            for node in element.xpath(path, namespaces=NS):
                problems += _compile(element, node.text, what, sandbox.compile_expression)
        for path, what in _SCRIPT_PATHS.items():
            for node in element.xpath(path, namespaces=NS):
                problems += _compile(element, node.text, what, sandbox.compile_script)
    return problems


def _compile(element, text, what, compiler) -> list[Problem]:
    if text is None or not text.strip():
        if what in ("script", "pre-script", "post-script"):
            return []
        return [Problem(element.get("id"), f"empty {what}")]
    try:
        compiler(text)
    except sandbox.SandboxError as exc:
        return [Problem(element.get("id"), f"{what} refused: {exc}")]
    except SyntaxError as exc:
        return [Problem(element.get("id"), f"{what} has a syntax error: {exc.msg}")]
    return []


def check_structure(root: etree._Element) -> list[Problem]:
    """Unique ids, flows that join existing nodes, choices that always have a way out, reachability.

    Each check is linear in the size of the scope: an upload of two megabytes of gateways must not hold
    the deploy for minutes (it held it for seconds per thousand gateways when each looked at every flow)."""
    problems = _duplicate_ids(root)
    for scope in _scopes(root):
        nodes = {n.get("id"): n for n in scope if isinstance(n.tag, str) and _local(n) in _FLOW_NODE_TAGS}
        flows = [f for f in scope if isinstance(f.tag, str) and _local(f) == "sequenceFlow"]
        outgoing: dict[str, list[etree._Element]] = {}
        for flow in flows:
            outgoing.setdefault(flow.get("sourceRef"), []).append(flow)
        problems += _dangling_flows(flows, nodes)
        problems += _gateways_without_default(outgoing, nodes)
        problems += _unreachable(scope, outgoing, nodes)
    return problems


def _duplicate_ids(root) -> list[Problem]:
    """Ids of BPMN elements used twice. Extension elements keep ids of their own kind: Camunda Modeler's form
    fields are named after the case field they fill, so two steps asking for `firstname` both say so."""
    seen: set[str] = set()
    problems = []
    for element in root.iter(f"{{{NS['bpmn']}}}*"):
        ident = element.get("id")
        if ident is None:
            continue
        if ident in seen:
            problems.append(Problem(ident, "the id is used by more than one element"))
        seen.add(ident)
    return problems


def _dangling_flows(flows, nodes) -> list[Problem]:
    problems = []
    for flow in flows:
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in nodes:
                problems.append(Problem(flow.get("id"), f"{end} points to '{ref}', which is not in this process"))
    return problems


def _gateways_without_default(outgoing, nodes) -> list[Problem]:
    problems = []
    for ident, node in nodes.items():
        if _local(node) not in _CHOICE_GATEWAYS:
            continue
        flows = outgoing.get(ident, [])
        if len(flows) < 2:
            continue
        bare = _bare_flows(flows, node.get("default"))
        if bare:
            problems.append(Problem(ident, f"flows {', '.join(bare)} have no condition and are not the default"))
    return problems


def _bare_flows(flows, default: str | None) -> list[str]:
    """The ids of a gateway's own outgoing flows that have no condition and are not its default."""
    return [f.get("id") for f in flows
            if f.get("id") != default and not f.xpath("bpmn:conditionExpression", namespaces=NS)]


def _starts_on_its_own(node: etree._Element) -> bool:
    """A node no flow needs to reach: an event subprocess starts on its event, a compensation handler on
    its compensation, a link catch on its link (the last two are refused by `support.py`, by name)."""
    local = _local(node)
    if local in ("subProcess", "transaction", "adHocSubProcess") and node.get("triggeredByEvent") == "true":
        return True
    if node.get("isForCompensation") == "true":
        return True
    return local == "intermediateCatchEvent" and bool(node.xpath("bpmn:linkEventDefinition", namespaces=NS))


def _unreachable(scope, outgoing, nodes) -> list[Problem]:
    if _local(scope) == "subProcess" and scope.get("triggeredByEvent") == "true":
        return []  # an event subprocess starts on its event, not from a flow
    successors = {source: [f.get("targetRef") for f in flows] for source, flows in outgoing.items()}
    attached: dict[str, list[str]] = {}
    for ident, node in nodes.items():
        if _local(node) == "boundaryEvent":
            attached.setdefault(node.get("attachedToRef"), []).append(ident)
    starts = [i for i, n in nodes.items() if _local(n) == "startEvent"]
    if not starts and _local(scope) == "process":
        return [Problem(scope.get("id"), "the process has no start event")]
    if not starts:
        targets = {t for ts in successors.values() for t in ts}
        starts = [i for i, n in nodes.items() if i not in targets and _local(n) != "boundaryEvent"]
    starts += [i for i, n in nodes.items() if _starts_on_its_own(n)]
    seen, todo = set(), list(starts)
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        todo += successors.get(current, []) + attached.get(current, [])
    return [Problem(i, "cannot be reached from a start event") for i in nodes if i not in seen]


def process_ids(root: etree._Element) -> set[str]:
    """The ids of the processes a document defines."""
    return {p.get("id") for p in root.xpath("bpmn:process", namespaces=NS) if p.get("id")}


def _call_activities(root: etree._Element) -> list[etree._Element]:
    return root.xpath(".//bpmn:callActivity", namespaces=NS)


def external_calls(root: etree._Element) -> list[str]:
    """The processes a document's call activities name that the document does not define."""
    defined = process_ids(root)
    called = {c.get("calledElement") for c in _call_activities(root)}
    return sorted(c for c in called if c and c not in defined)


def check_calls(root: etree._Element, available: set[str]) -> list[Problem]:
    """Every call activity names a process that is defined here or deployed and handed in."""
    problems = []
    for call in _call_activities(root):
        target = call.get("calledElement")
        if not target:
            problems.append(Problem(call.get("id"), "the call activity names no process (calledElement)"))
        elif target not in available:
            problems.append(Problem(call.get("id"), f"calls process '{target}', which is not deployed"))
    return problems


def _calls_by_process(documents: Iterable[etree._Element]) -> dict[str, list[tuple[str, str]]]:
    """Process id -> (call activity id, called process id) for every call inside it, nested ones too."""
    graph: dict[str, list[tuple[str, str]]] = {}
    for document in documents:
        for process in document.xpath("bpmn:process", namespaces=NS):
            graph.setdefault(process.get("id"), []).extend(
                (call.get("id"), call.get("calledElement")) for call in _call_activities(process)
                if call.get("calledElement"))
    return graph


def check_call_cycles(documents: Iterable[etree._Element]) -> list[Problem]:
    """Refuse a process that calls itself, directly or through others: each call starts a new copy of
    the called process, so a cycle without a person's step in it never ends, and one with a step in it
    grows the case by a whole process each round. The problem names the call activity closing the cycle."""
    graph = _calls_by_process(documents)
    problems: list[Problem] = []
    finished: set[str] = set()
    for first in graph:
        if first in finished:
            continue
        # Depth first without recursion (an uploaded chain of processes may be deeper than Python's stack):
        # each frame is a process on the current path and an iterator over its calls.
        path, frames = [first], [iter(graph[first])]
        while frames:
            call = next(frames[-1], None)
            if call is None:
                finished.add(path.pop())
                frames.pop()
                continue
            call_id, target = call
            if target in path:
                cycle = " → ".join(path[path.index(target):] + [target])
                problems.append(Problem(call_id, f"calls process '{target}', which leads back to this call "
                                                 f"({cycle}): a process may not call itself"))
            elif target in graph and target not in finished:
                path.append(target)
                frames.append(iter(graph[target]))
    return problems
