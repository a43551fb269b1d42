package dev.gateway.core.diff;

import static dev.gateway.core.diff.Responses.assertPatchTurns;
import static dev.gateway.core.diff.Responses.json;
import static dev.gateway.core.diff.Responses.patch;
import static dev.gateway.core.diff.Responses.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ArrayModesTest {
    private static ResponseDiffer differ(Map<String, String> arrays) {
        return new ResponseDiffer(DiffRules.of(List.of(), List.of(), arrays));
    }

    private static List<Difference> check(ResponseDiffer differ, String reference, String candidate) {
        List<Difference> diffs = differ.diff(json(reference), json(candidate));
        assertPatchTurns(differ, reference, candidate, diffs);
        return diffs;
    }

    @Test
    void orderedArraysAreComparedByPositionAfterAligningThem() {
        ResponseDiffer differ = differ(Map.of());
        assertEquals(tree("[{'op':'add','path':'/items/0','value':0}]"),
                patch(check(differ, "{'items':[1,2,3]}", "{'items':[0,1,2,3]}")), "an insertion is one add");
        assertEquals(tree("[{'op':'replace','path':'/items/1','value':5,'was':2}]"),
                patch(check(differ, "{'items':[1,2,3]}", "{'items':[1,5,3]}")));
        assertFalse(check(differ, "{'items':[1,2,3]}", "{'items':[3,2,1]}").isEmpty(), "order matters");
    }

    @Test
    void setArraysIgnoreOrder() {
        ResponseDiffer differ = differ(Map.of("/tags", "set"));
        assertEquals(List.of(), check(differ, "{'tags':['b','a','c']}", "{'tags':['c','b','a']}"));
        assertEquals(List.of(), check(differ, "{'tags':[{'x':1,'y':2},{'z':[1]}]}",
                "{'tags':[{'z':[1]},{'y':2,'x':1.0}]}"));
        // a changed element is one element gone and another come, never a change inside it
        assertEquals(tree("[{'op':'remove','path':'/tags/0','was':{'x':1}},{'op':'add','path':'/tags/0','value':{'x':2}}]"),
                patch(check(differ, "{'tags':[{'x':1}]}", "{'tags':[{'x':2}]}")));
    }

    @Test
    void setArraysAreMultisets() {
        ResponseDiffer differ = differ(Map.of("/tags", "set"));
        // sorted, the reference is [1,1,2]: one 1 goes (the second, index 1), then a second 2 comes at index 2
        assertEquals(tree("[{'op':'remove','path':'/tags/1','was':1},{'op':'add','path':'/tags/2','value':2}]"),
                patch(check(differ, "{'tags':[2,1,1]}", "{'tags':[2,1,2]}")));
        assertEquals(tree("[{'op':'remove','path':'/tags/1','was':'a'}]"), 
                patch(check(differ, "{'tags':['a','a']}", "{'tags':['a']}")));
        assertEquals(List.of(), check(differ, "{'tags':['a','b','a']}", "{'tags':['a','a','b']}"));
        // removals name the places left after the removals before them
        assertEquals(tree("[{'op':'remove','path':'/tags/0','was':1},{'op':'remove','path':'/tags/0','was':2}]"),
                patch(check(differ, "{'tags':[3,2,1]}", "{'tags':[3]}")));
    }

    @Test
    void keyedArraysPairElementsByTheirKey() {
        ResponseDiffer differ = differ(Map.of("/items", "key:id"));
        String reference = "{'items':[{'id':1,'price':10},{'id':2,'price':20},{'id':4,'price':40}]}";
        String candidate = "{'items':[{'id':4,'price':40},{'id':3,'price':30},{'id':1.0,'price':11}]}";
        // sorted by id: reference [1,2,4]; 1 changes (index 0), 2 goes (index 1), 3 comes between 1 and 4 (index 1)
        assertEquals(tree("[{'op':'replace','path':'/items/0/price','value':11,'was':10},"
                        + "{'op':'remove','path':'/items/1','was':{'id':2,'price':20}},"
                        + "{'op':'add','path':'/items/1','value':{'id':3,'price':30}}]"),
                patch(check(differ, reference, candidate)));
        assertEquals(List.of(), check(differ, "{'items':[{'id':'a','v':[1]},{'id':'b'}]}",
                "{'items':[{'id':'b'},{'v':[1],'id':'a'}]}"));
        // keys of different types are different keys
        assertEquals(2, check(differ, "{'items':[{'id':1}]}", "{'items':[{'id':'1'}]}").size());
    }

    @Test
    void keyedElementsWithoutTheKeyAreComparedAsInASetAfterTheKeyedOnes() {
        ResponseDiffer differ = differ(Map.of("/items", "key:id"));
        // sorted: [{id:1,…}, 'loose', {name:'x'}]: keyed first, then the keyless by their JSON text
        assertEquals(tree("[{'op':'remove','path':'/items/2','was':{'name':'x'}},"
                + "{'op':'add','path':'/items/2','value':{'name':'y'}}]"),
                patch(check(differ, "{'items':['loose',{'name':'x'},{'id':1,'p':1}]}",
                        "{'items':[{'id':1,'p':1},{'name':'y'},'loose']}")));
        assertEquals(List.of(), check(differ, "{'items':[{'n':1},{'n':1},{'id':1}]}",
                "{'items':[{'id':1},{'n':1},{'n':1}]}"));
        // an ignored key field makes its elements keyless
        ResponseDiffer ignoring = new ResponseDiffer(
                DiffRules.of(List.of(), List.of("/items/*/id"), Map.of("/items", "key:id")));
        assertEquals(List.of(), check(ignoring, "{'items':[{'id':1,'v':1},{'id':2,'v':2}]}",
                "{'items':[{'id':7,'v':2},{'id':8,'v':1}]}"));
    }

    @Test
    void duplicateKeysArePairedInTheirOrderOfAppearance() {
        ResponseDiffer differ = differ(Map.of("/items", "key:id"));
        assertEquals(tree("[{'op':'replace','path':'/items/1/p','value':3,'was':2}]"),
                patch(check(differ, "{'items':[{'id':1,'p':1},{'id':1,'p':2}]}",
                        "{'items':[{'id':1,'p':1},{'id':1,'p':3}]}")));
    }

    @Test
    void nestedArraysEachFollowTheirOwnMode() {
        Map<String, String> arrays = new LinkedHashMap<>();
        arrays.put("/orders", "key:id");
        arrays.put("/orders/*/lines", "key:sku");
        arrays.put("/**/tags", "set");
        ResponseDiffer differ = differ(arrays);
        String reference = "{'orders':[{'id':'o2','lines':[]},{'id':'o1','lines':["
                + "{'sku':'b','qty':1,'tags':['x','y']},{'sku':'a','qty':2,'tags':[]}]}],'tags':['t']}";
        String candidate = "{'tags':['t'],'orders':[{'id':'o1','lines':["
                + "{'sku':'a','qty':2,'tags':[]},{'sku':'b','qty':5,'tags':['y','z']}]},"
                + "{'id':'o2','lines':[{'sku':'c','qty':1}]}]}";
        // o1 sorts first (index 0), its line b second (index 1); in b's tags [x,y]: x goes (0), z comes after y (1)
        assertEquals(tree("[{'op':'replace','path':'/orders/0/lines/1/qty','value':5,'was':1},"
                        + "{'op':'remove','path':'/orders/0/lines/1/tags/0','was':'x'},"
                        + "{'op':'add','path':'/orders/0/lines/1/tags/1','value':'z'},"
                        + "{'op':'add','path':'/orders/1/lines/0','value':{'sku':'c','qty':1}}]"),
                patch(check(differ, reference, candidate)));
    }

    @Test
    void arraysOfArrays() {
        assertEquals(tree("[{'op':'add','path':'/m/1/1','value':4}]"),
                patch(check(differ(Map.of()), "{'m':[[1,2],[3]]}", "{'m':[[1,2],[3,4]]}")));
        // a set of ordered arrays: [1,2] and [2,1] are different elements
        assertEquals(2, check(differ(Map.of("/sets", "set")), "{'sets':[[1,2],[3]]}", "{'sets':[[3],[2,1]]}").size());
        // a set of sets
        assertEquals(List.of(), check(differ(Map.of("/sets", "set", "/sets/*", "set")),
                "{'sets':[[1,2],[3]]}", "{'sets':[[3],[2,1]]}"));
        // the root itself
        assertEquals(List.of(), check(differ(Map.of("/**", "set")), "[3,[2,1]]", "[[1,2],3]"));
    }

    @Test
    void theFirstMatchingEntryDecidesAndIndicesMatchOnlyByWildcard() {
        Map<String, String> arrays = new LinkedHashMap<>();
        arrays.put("/a", "ordered");
        arrays.put("/**", "set");
        ResponseDiffer differ = differ(arrays);
        assertEquals(2, check(differ, "{'a':[1,2],'b':[1,2]}", "{'a':[2,1],'b':[2,1]}").size(), "a ordered, b a set");

        ResponseDiffer literal = differ(Map.of("/groups/0/tags", "set"));
        assertEquals(2, check(literal, "{'groups':[{'tags':[1,2]}]}", "{'groups':[{'tags':[2,1]}]}").size(),
                "a literal index does not select an array mode");
        ResponseDiffer wildcard = differ(Map.of("/groups/*/tags", "set"));
        assertEquals(List.of(), check(wildcard, "{'groups':[{'tags':[1,2]}]}", "{'groups':[{'tags':[2,1]}]}"));
    }
}
