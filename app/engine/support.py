"""What PlanFlow cannot run, refused at deploy by the element that has it.

Diagrams drawn elsewhere (Camunda Modeler, spiff-arena, SpiffWorkflow's own examples) use BPMN that
SpiffWorkflow parses but a PlanFlow case cannot carry out. Left to run, each failed late or not at all:
a message whose correlation PlanFlow never supplies is refused as not awaited, or never caught; an event
with several triggers, or a signal nothing sends, waits where no one can see it or reach it; a data store,
a decision table or a service call has nothing behind it. Two more SpiffWorkflow runs by changing the
parsed process itself, which every case of a deployed version shares: an event subprocess started by a
message, signal, error, escalation or condition is wired into the process the first time one starts (every
later case then starts it at once), and an ad hoc subprocess adds its conditional paths the same way. One
case would change how the next one runs, and a replay would no longer match the case it replays. Each is
named here with what to draw instead.
"""
from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from .errors import Problem
from .xml import NS, SPIFF_NS

_CATCHING = ("startEvent", "intermediateCatchEvent", "boundaryEvent")
_EVENTS = (*_CATCHING, "intermediateThrowEvent", "endEvent")
_UNSUPPORTED_TASKS = {
    "businessRuleTask": "business rule tasks (DMN decision tables) are not supported: decide with an exclusive "
                        "gateway's conditions or a script task",
    "serviceTask": "service tasks are not supported: a PlanFlow diagram does not call other systems; use a "
                   "person's step, or a script task for a calculation",
    "complexGateway": "complex gateways are not supported: use exclusive, inclusive or parallel gateways",
    "adHocSubProcess": "ad hoc subprocesses are not supported: draw the order of the steps, with a parallel "
                       "gateway for those done side by side",
}
_EVENT_SUBPROCESS = ("an event subprocess started by {what} is not supported: SpiffWorkflow rewires the process the "
                     "first time one starts, so one case would change how the next runs; put a boundary event on the "
                     "steps it concerns, or wait for {what} with an event-based gateway")
_TRIGGERS = {"messageEventDefinition": "a message", "signalEventDefinition": "a signal",
             "errorEventDefinition": "an error", "escalationEventDefinition": "an escalation",
             "conditionalEventDefinition": "a condition"}
_CORRELATION = ("message correlation is not supported: PlanFlow hands a message to the case it is recorded "
                "for, so correlation keys would only stop it from arriving")


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _tagged(root: etree._Element, *names: str) -> Iterable[etree._Element]:
    return root.iter(*(f"{{{NS['bpmn']}}}{name}" for name in names))


def _named(element: etree._Element) -> str:
    """The element's id, or for one without an id (or an event's definition) the nearest element around it
    that the diagram shows."""
    for each in (element, *element.iterancestors()):
        if each.get("id") and not _local(each).endswith("EventDefinition"):
            return each.get("id")
    return _local(element)


def check_supported(root: etree._Element, others: Iterable[etree._Element] = ()) -> list[Problem]:
    """Every construct of `root` that PlanFlow cannot run; `others` are the documents it is deployed with
    (the processes it calls, or the diagram calling it), which may throw the signals it catches."""
    problems = _tasks(root) + _events(root) + _event_subprocesses(root) + _data_stores(root) + _correlations(root)
    return problems + _signals_nothing_sends(root, [root, *others])


def _tasks(root) -> list[Problem]:
    return [Problem(element.get("id"), message) for name, message in _UNSUPPORTED_TASKS.items()
            for element in _tagged(root, name)]


def _definitions(event: etree._Element) -> list[etree._Element]:
    return [child for child in event if isinstance(child.tag, str) and _local(child).endswith("EventDefinition")]


def _events(root) -> list[Problem]:
    problems = []
    for event in _tagged(root, *_EVENTS):
        kinds = [_local(d) for d in _definitions(event)]
        if _local(event) in _CATCHING and (len(kinds) > 1 or event.get("parallelMultiple") == "true"):
            problems.append(Problem(event.get("id"), "an event that waits for several triggers is not supported: "
                                                     "put an event-based gateway before one event per trigger"))
        if "linkEventDefinition" in kinds:
            problems.append(Problem(event.get("id"), "link events are not supported: draw the sequence flow to "
                                                     "where the link leads"))
        if "compensateEventDefinition" in kinds:
            problems.append(Problem(event.get("id"), "compensation is not supported: model the undoing as steps "
                                                     "on a path of its own"))
    for activity in root.iter():
        if isinstance(activity.tag, str) and activity.get("isForCompensation") == "true":
            problems.append(Problem(activity.get("id"), "compensation is not supported: model the undoing as "
                                                        "steps on a path of its own"))
    return problems


def _event_subprocesses(root) -> list[Problem]:
    """Event subprocesses SpiffWorkflow starts by rewiring the shared process (a timer's is wired in once, when
    the diagram is parsed, and starts with every case)."""
    problems = []
    for subprocess in _tagged(root, "subProcess", "transaction"):
        if subprocess.get("triggeredByEvent") != "true":
            continue
        for start in subprocess.xpath("bpmn:startEvent", namespaces=NS):
            for kind in (_local(d) for d in _definitions(start)):
                if kind in _TRIGGERS:
                    problems.append(Problem(start.get("id"), _EVENT_SUBPROCESS.format(what=_TRIGGERS[kind])))
    return problems


def _data_stores(root) -> list[Problem]:
    references = list(_tagged(root, "dataStoreReference"))
    found = references or list(_tagged(root, "dataStore"))
    return [Problem(_named(element), "data stores are not supported: a case keeps its data in the case "
                                     "(use the case's fields, or a data object)") for element in found]


def _correlations(root) -> list[Problem]:
    problems = [Problem(_named(element), _CORRELATION) for element in _tagged(root, "correlationProperty")
                if element.xpath("bpmn:correlationPropertyRetrievalExpression", namespaces=NS)]
    problems += [Problem(_named(element), _CORRELATION)
                 for element in root.iter(f"{{{SPIFF_NS}}}processVariableCorrelation")]
    return problems


def _signal_names(root) -> dict[str, str]:
    """Signal id -> the name SpiffWorkflow matches it by."""
    return {signal.get("id"): signal.get("name") or signal.get("id") for signal in _tagged(root, "signal")}


def _signals_of(root, events: tuple[str, ...]) -> list[tuple[etree._Element, str]]:
    names = _signal_names(root)
    found = []
    for event in _tagged(root, *events):
        for definition in event.xpath("bpmn:signalEventDefinition", namespaces=NS):
            ref = definition.get("signalRef")
            found.append((event, names.get(ref, ref) if ref else ""))
    return found


def _signals_nothing_sends(root, documents: list[etree._Element]) -> list[Problem]:
    """A signal is thrown inside the case or not at all (PlanFlow has no way to send one in): a case that
    reaches a catch of a signal no event of the diagram, or of the processes deployed with it, throws would
    wait there for ever. A boundary event that never fires leaves its step to go on, and an event after an
    event-based gateway is one of several ways on (the engine refuses a step that leaves none it can take)."""
    thrown = {name for each in documents for _, name in _signals_of(each, ("intermediateThrowEvent", "endEvent"))}
    after_gateway = {flow.get("targetRef") for gateway in _tagged(root, "eventBasedGateway")
                     for flow in root.xpath(f".//bpmn:sequenceFlow[@sourceRef='{gateway.get('id')}']", namespaces=NS)}
    return [Problem(event.get("id"), f"nothing in the diagram sends the signal '{name}', and PlanFlow cannot send "
                                     "one from outside: a case waiting for it would wait for ever")
            for event, name in _signals_of(root, ("startEvent", "intermediateCatchEvent"))
            if name not in thrown and event.get("id") not in after_gateway]
